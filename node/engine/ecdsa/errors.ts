// The typed failure of setting a pair up, naming the peer: what keysFor rejects with.

/** Why a pair could not be set up: no answer in time, a refusal, no connection, a message that failed its checks, a peer of another membership, this node stopping, or this node's own failure. */
export type PairSetupFailure = 'deadline' | 'refused' | 'unreachable' | 'invalid-message' | 'not-a-member' | 'stopped' | 'internal'

export class PairSetupFailedError extends Error {
  constructor (readonly peer: string, readonly failure: PairSetupFailure, reason: string, options?: ErrorOptions & {
    /** Other peers of the same keysFor call whose setups failed too (keysFor rejects with the first, in the order asked). */
    alsoFailed?: readonly string[]
  }) {
    super(`pair setup with ${peer} failed (${failure}): ${reason}`, options)
    this.name = 'PairSetupFailedError'
    this.alsoFailed = options?.alsoFailed ?? []
  }

  readonly alsoFailed: readonly string[]
}
