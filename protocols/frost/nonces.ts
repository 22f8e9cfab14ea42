// Round-1 secret state (RFC 9591 §5.1 nonces d, e) as its own type: used once, never serialised,
// printed redacted. Only protocols/frost can read it (the store below is not exported from index).
import type { CurveName } from '../sharing/index.js'
import type { RawNonces } from './rfc9591.js'
import { NonceReuseError } from './errors.js'
import type { SignerId, SigningCommitments } from './types.js'

const REDACTED = '[redacted signing nonces]'
const INSPECT = Symbol.for('nodejs.util.inspect.custom')

// A WeakMap rather than a public accessor: no method on the object hands the nonces out.
const store = new WeakMap<SigningNonces, RawNonces>()

/**
 * The secret half of one signer's round 1. `signShare` consumes it: a second round 2 with the
 * same nonces throws `NonceReuseError` before any library is called, even if the first failed.
 */
export class SigningNonces {
  readonly scheme: CurveName
  readonly signer: Readonly<SignerId>
  /** The public half, published in round 1; round 2 checks the commitment list against it. */
  readonly commitments: Readonly<SigningCommitments>

  constructor (scheme: CurveName, commitments: SigningCommitments, nonces: RawNonces) {
    this.scheme = scheme
    this.signer = Object.freeze({ committee: commitments.committee, member: commitments.member })
    this.commitments = Object.freeze({ ...commitments })
    store.set(this, nonces)
  }

  /** Whether round 2 has already taken these nonces. */
  get used (): boolean {
    return !store.has(this)
  }

  toString (): string { return REDACTED }
  toJSON (): string { return REDACTED }
  [INSPECT] (): string { return `SigningNonces(${this.signer.committee}/${this.signer.member}, ${this.used ? 'used' : REDACTED})` }
}

/** Takes the nonces out for round 2; afterwards `nonces.used` is true. Throws `NonceReuseError` on a second call. */
export function takeNonces (nonces: SigningNonces): RawNonces {
  const raw = store.get(nonces)
  if (raw === undefined) throw new NonceReuseError(nonces.signer)
  store.delete(nonces)
  return raw
}

/** Ends nonces that will never sign (a presignature expired, evicted or refused): zeroed, and `used` from now on. */
export function discardNonces (nonces: SigningNonces): void {
  const raw = store.get(nonces)
  if (raw === undefined) return
  store.delete(nonces)
  raw.hiding.fill(0)
  raw.binding.fill(0)
}
