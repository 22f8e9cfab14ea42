// Typed errors of FROST signing. A share that fails names its signer as (committee, member),
// never as a flat library identifier (STYLE: errors name the culprit).
import type { SignerId } from './types.js'

function who (s: SignerId): string {
  return `committee ${s.committee} member ${s.member}`
}

/** Base class; `code` is stable and safe to map to an API status. */
export class FrostError extends Error {
  readonly code: string
  constructor (code: string, message: string) {
    super(message)
    this.name = new.target.name
    this.code = code
  }
}

/** Round-1 nonces were already consumed by a round-2 call (successful or not). Commit again. */
export class NonceReuseError extends FrostError {
  readonly signer: SignerId
  constructor (signer: SignerId) {
    super('nonce_reuse', `signing nonces of ${who(signer)} were already used; run round 1 again`)
    this.signer = { committee: signer.committee, member: signer.member }
  }
}

/**
 * The commitments or shares do not cover exactly the party's signers: some are missing,
 * some are not in the party, or one signer appears twice. Nobody's share is judged.
 */
export class SigningSetError extends FrostError {
  readonly missing: SignerId[]
  readonly unexpected: SignerId[]
  readonly duplicated: SignerId[]
  constructor (what: string, missing: SignerId[], unexpected: SignerId[], duplicated: SignerId[]) {
    const parts = [
      missing.length > 0 ? `missing ${missing.map(who).join(', ')}` : '',
      unexpected.length > 0 ? `not in the party: ${unexpected.map(who).join(', ')}` : '',
      duplicated.length > 0 ? `repeated: ${duplicated.map(who).join(', ')}` : ''
    ].filter(p => p !== '')
    super('signing_set_mismatch', `${what} do not match the party (${parts.join('; ')})`)
    this.missing = missing
    this.unexpected = unexpected
    this.duplicated = duplicated
  }
}

/**
 * A signer found its own entry in the commitment list different from the commitments of its
 * nonces: whoever assembled the list (the coordinator, or a relay) changed it. No share is made.
 */
export class OwnCommitmentMismatchError extends FrostError {
  readonly signer: SignerId
  constructor (signer: SignerId) {
    super('own_commitment_mismatch', `the commitment list carries other commitments for ${who(signer)} than its nonces`)
    this.signer = { committee: signer.committee, member: signer.member }
  }
}

/** Identifiable abort: the signature did not verify and these signers' shares fail `verifyShare`. */
export class InvalidShareError extends FrostError {
  readonly culprits: SignerId[]
  constructor (culprits: SignerId[]) {
    super('invalid_share', `invalid signature share from ${culprits.map(who).join(', ')}`)
    this.culprits = culprits.map(s => ({ committee: s.committee, member: s.member }))
  }
}

/**
 * The signature did not verify although every share verifies against its verifying share: the
 * verifying shares (party, κ, registry data) do not add up to the group key. No signer is blamed.
 */
export class AggregationError extends FrostError {
  constructor (message: string) { super('aggregation_failed', message) }
}

/** Wire data (hex commitments or shares) that is malformed, not a canonical point or scalar. */
export class InvalidWireError extends FrostError {
  constructor (message: string) { super('invalid_wire', message) }
}
