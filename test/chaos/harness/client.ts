// The chaos driver's client: what a user with a list of nodes does. Each sign
// request keeps one request id and one deadline; when the node it asked is
// gone it asks another (the CLI's client already fails over between
// managers). Every outcome is recorded for the invariant checks.
import { hexToBytes } from '@noble/hashes/utils.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { newUser } from '../../../cli/client/new-user.js'
import { newRequestId, sign, SignatureInvalidError } from '../../../cli/client/sign.js'
import { SigningContext } from '../../../cli/client/signing-context.js'
import { keyFileOf, type KeyFile } from '../../../cli/key-file.js'
import type { Devnet } from '../../../devnet/api.js'
import type { KeyScheme } from '../../../protocols/wire/key-record.js'
import type { SignerRef } from './types.js'
import type { Rng } from './rng.js'
import { newOwner } from '../../helpers/owner.js'

/** Default sign request lifetime in the chaos runs: the bound on unavailability. */
export const CHAOS_REQUEST_LIFETIME_MS = 30_000
/** A request must be decided within its lifetime plus this (client polling, clock). */
export const DECISION_SLACK_MS = 5_000
const ENTRY_RETRY_PAUSE_MS = 250

export interface SignOutcome {
  requestId: string
  keyId: string
  scheme: KeyScheme
  message: string
  status: 'completed' | 'failed' | 'pending' | 'invalid-signature' | 'client-error'
  reason?: string
  signature?: string
  signers?: SignerRef[]
  /** Sessions the manager ran (1: the first party signed). */
  attempts?: number
  startedAt: number
  latencyMs: number
  deadline: number
  /** Entry nodes that did not answer and were replaced. */
  entryRetries: number
  failovers: number
}

export interface NewUserOutcome {
  status: 'usable' | 'failed'
  scheme: KeyScheme
  key?: KeyFile
  reason?: string
  latencyMs: number
}

export class ChaosClient {
  /** Owner keys and checked group keys, made once for every request of this client. */
  private readonly context = new SigningContext()

  constructor (private readonly devnet: Devnet, private readonly rng: Rng) {}

  /** HTTP base URLs of the nodes whose process runs now. */
  entries (): string[] {
    return this.devnet.running().map(i => this.devnet.node(i).http)
  }

  async sign (key: KeyFile, opts: { message?: Uint8Array, requestId?: string, lifetimeMs?: number } = {}): Promise<SignOutcome> {
    const lifetimeMs = opts.lifetimeMs ?? CHAOS_REQUEST_LIFETIME_MS
    const message = opts.message ?? this.rng.bytes(16)
    const requestId = opts.requestId ?? newRequestId()
    const startedAt = Date.now()
    const deadline = startedAt + lifetimeMs
    const base = { requestId, keyId: key.keyId, scheme: key.scheme, message: Buffer.from(message).toString('hex'), startedAt, deadline }
    let entryRetries = 0
    let failovers = 0
    const errors: string[] = []
    while (Date.now() < deadline) {
      const entries = this.entries()
      if (entries.length === 0) { await sleep(ENTRY_RETRY_PAUSE_MS); continue }
      const entry = this.rng.pick(entries)
      try {
        // The request keeps its first deadline: a retry must not extend it.
        const result = await sign({
          node: entry, key, message, requestId, lifetimeMs: deadline - Date.now(), context: this.context,
          signal: AbortSignal.timeout(deadline - Date.now() + DECISION_SLACK_MS),
          onFailover: () => { failovers++ }
        })
        return { ...base, status: result.status, reason: result.reason, signature: result.signature, signers: result.signers, attempts: result.attempts, latencyMs: Date.now() - startedAt, entryRetries, failovers }
      } catch (err) {
        if (err instanceof SignatureInvalidError) {
          return { ...base, status: 'invalid-signature', reason: err.message, latencyMs: Date.now() - startedAt, entryRetries, failovers }
        }
        // The entry node (or every manager it named) did not answer: ask another node, same request.
        errors.push((err as Error).message)
        entryRetries++
        await sleep(ENTRY_RETRY_PAUSE_MS)
      }
    }
    return { ...base, status: 'client-error', reason: `no node took the request before its deadline: ${errors.slice(-3).join('; ')}`, latencyMs: Date.now() - startedAt, entryRetries, failovers }
  }

  /** A new key through the real new_user flow, via a random running node; retried once through another. */
  async newUser (scheme: KeyScheme): Promise<NewUserOutcome> {
    const startedAt = Date.now()
    const errors: string[] = []
    for (let attempt = 0; attempt < 2; attempt++) {
      const entry = this.rng.pick(this.entries())
      const owner = newOwner()
      try {
        const { record } = await newUser({ node: entry, scheme, ownerSecretKey: owner, policy: { ratePerMinute: 10_000 }, signal: AbortSignal.timeout(CHAOS_REQUEST_LIFETIME_MS) })
        return { status: 'usable', scheme, key: keyFileOf(record, entry, owner), latencyMs: Date.now() - startedAt }
      } catch (err) {
        errors.push((err as Error).message)
      }
    }
    return { status: 'failed', scheme, reason: errors.join('; '), latencyMs: Date.now() - startedAt }
  }
}

export function messageOf (outcome: SignOutcome): Uint8Array {
  return hexToBytes(outcome.message)
}

/** One key of each scheme, made before the faults start (the setup of every chaos file). */
export async function keysOfEveryScheme (client: ChaosClient): Promise<KeyFile[]> {
  const keys: KeyFile[] = []
  for (const scheme of ['ed25519', 'secp256k1'] as const) {
    const made = await client.newUser(scheme)
    if (made.key === undefined) throw new Error(`could not make a ${scheme} key: ${made.reason ?? ''}`)
    keys.push(made.key)
  }
  return keys
}
