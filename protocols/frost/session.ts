// A signing session's public facts, computed alike by every signer and the coordinator from the
// key's parameters, its group key and the party: flat FROST identifiers and the κ/λ_flat factors.
import {
  curveFor, encodePoint, hasEvenY, InvalidGroupKeyError, lagrangeAtZero, partyCoefficients,
  type Party, type Point, type Scheme, type SharingParams
} from '../sharing/index.js'
import { frostBackend } from './backend.js'
import type { SignerId } from './types.js'

export interface SessionSigner extends SignerId {
  /** κ = λ_c·μ_m, so that x = Σ κ·s_{c,m} over the party. */
  kappa: bigint
  /**
   * What the signer multiplies its sub-share by (and the coordinator its public share Y_{c,m}):
   * κ/λ_flat, so that noble's own Lagrange coefficient λ_flat turns it back into κ·s.
   */
  factor: bigint
  /** The flat FROST identifiers this signer plays: one, or two for a party of one signer. */
  identifiers: readonly string[]
}

export interface SigningSession {
  readonly scheme: Scheme
  readonly groupPublicKey: Point
  /** Canonical encoding of the group key (secp256k1: 33 bytes, prefix 02). */
  readonly groupKeyBytes: Uint8Array
  /** Committees ascending, then members ascending; flat identifiers follow this order. */
  readonly signers: readonly SessionSigner[]
}

/**
 * Builds the session of `party` for a key. Throws `InvalidPartyError` unless the party is exactly
 * tc committees × tm members, and `InvalidGroupKeyError` for a secp256k1 key with odd Y.
 *
 * Flat identifiers are 1..N in (committee, member) order. FROST implementations want N ≥ 2
 * (noble and frost-rs refuse a single signer), so a party of one signer (tc = tm = 1) plays
 * identifiers 1 and 2 with its whole share at both: λ_1 + λ_2 = 1, so the sum is κ·s again.
 */
export function createSession (params: SharingParams, groupPublicKey: Point, party: Party): SigningSession {
  const { scheme } = params
  const curve = curveFor(scheme)
  const groupKeyBytes = encodePoint(scheme, groupPublicKey)
  if (scheme === 'secp256k1' && !hasEvenY(groupPublicKey)) {
    throw new InvalidGroupKeyError('secp256k1 group key has odd Y; BIP340 needs even Y')
  }
  const backend = frostBackend(scheme)
  const coefficients = partyCoefficients(params, party)
  let signers: SessionSigner[]
  const only = coefficients[0]
  if (coefficients.length === 1 && only !== undefined) {
    const identifiers = [backend.identifier(1), backend.identifier(2)]
    signers = [{ committee: only.committee, member: only.member, kappa: only.kappa, factor: only.kappa, identifiers }]
  } else {
    const flat = coefficients.map((_, i) => i + 1)
    signers = coefficients.map(({ committee, member, kappa }, i) => ({
      committee,
      member,
      kappa,
      factor: curve.Fn.mul(kappa, curve.Fn.inv(lagrangeAtZero(curve, flat, i + 1))),
      identifiers: [backend.identifier(i + 1)]
    }))
  }
  return Object.freeze({ scheme, groupPublicKey, groupKeyBytes, signers: Object.freeze(signers.map(s => Object.freeze(s))) })
}

/** The session's entry for `signer`, or undefined when it is not in the party. */
export function sessionSigner (session: SigningSession, signer: SignerId): SessionSigner | undefined {
  return session.signers.find(s => s.committee === signer.committee && s.member === signer.member)
}
