// A signing session's public facts, computed alike by every signer and the coordinator from the
// key's parameters, its group key and the party: flat FROST identifiers and each signer's κ.
import {
  curveFor, InvalidGroupKeyError, lagrangeAtZero, partyCoefficients,
  type Party, type Point, type CurveName, type SharingParams
} from '../sharing/index.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { FrostContext } from './context.js'
import { encodeOnce } from './elements.js'
import { suiteFor } from './suite.js'
import type { SignerId } from './types.js'

export interface SessionSigner extends SignerId {
  /** κ = λ_c·μ_m, so that x = Σ κ·s_{c,m} over the party: the coefficient round 2 uses. */
  kappa: bigint
  /**
   * κ/λ_flat, with λ_flat this signer's Lagrange coefficient over the flat identifiers: what a
   * signer would scale its share by to use a flat RFC 9591 implementation (such as noble's)
   * unchanged. Kept for that; the rounds here take κ directly.
   */
  factor: bigint
  /** The flat FROST identifiers this signer plays, serialised as hex: one, or two for a party of one signer. */
  identifiers: readonly string[]
  /** The same identifiers as integers. */
  flatIds: readonly bigint[]
}

export interface SigningSession {
  readonly scheme: CurveName
  readonly groupPublicKey: Point
  /** Canonical encoding of the group key (secp256k1: 33 bytes, prefix 02). */
  readonly groupKeyBytes: Uint8Array
  /** Committees ascending, then members ascending; flat identifiers follow this order. */
  readonly signers: readonly SessionSigner[]
}

/** The cache key of a shape and party; undefined (no caching) for values JSON cannot carry. */
function shapeKey (params: SharingParams, party: Party): string | undefined {
  const { scheme, committees, tc, tm, members } = params
  try {
    // JSON keeps types apart ("1" is not 1); only inputs that pass validation are ever cached.
    return JSON.stringify([scheme, committees, tc, tm, members, [...party]])
  } catch {
    return undefined
  }
}

function signersOf (params: SharingParams, party: Party): readonly SessionSigner[] {
  const { scheme } = params
  const curve = curveFor(scheme)
  const suite = suiteFor(scheme)
  const identifier = (n: number) => ({ hex: bytesToHex(suite.serializeScalar(BigInt(n))), id: BigInt(n) })
  const coefficients = partyCoefficients(params, party)
  const only = coefficients[0]
  if (coefficients.length === 1 && only !== undefined) {
    const ids = [identifier(1), identifier(2)]
    return [{ committee: only.committee, member: only.member, kappa: only.kappa, factor: only.kappa, identifiers: ids.map(i => i.hex), flatIds: ids.map(i => i.id) }]
  }
  const flat = coefficients.map((_, i) => i + 1)
  return coefficients.map(({ committee, member, kappa }, i) => {
    const id = identifier(i + 1)
    return {
      committee,
      member,
      kappa,
      factor: curve.Fn.mul(kappa, curve.Fn.inv(lagrangeAtZero(curve, flat, i + 1))),
      identifiers: [id.hex],
      flatIds: [id.id]
    }
  })
}

/**
 * Builds the session of `party` for a key. Throws `InvalidPartyError` unless the party is exactly
 * tc committees × tm members, and `InvalidGroupKeyError` for a secp256k1 key with odd Y.
 *
 * Flat identifiers are 1..N in (committee, member) order. A party of one signer (tc = tm = 1)
 * plays identifiers 1 and 2 with one nonce pair, as it did with noble (which refuses fewer than
 * two participants): its signatures keep the same form, and R = 2D + (ρ_1 + ρ_2)·E.
 * The signers of each party shape are computed once per Frost (`ctx.shapes`).
 */
export function createSession (ctx: FrostContext, params: SharingParams, groupPublicKey: Point, party: Party): SigningSession {
  const { scheme } = params
  const groupKeyBytes = encodeOnce(ctx, scheme, groupPublicKey).slice()
  if (scheme === 'secp256k1' && groupKeyBytes[0] !== 0x02) {
    throw new InvalidGroupKeyError('secp256k1 group key has odd Y; BIP340 needs even Y')
  }
  const key = shapeKey(params, party)
  let signers = key === undefined ? undefined : ctx.shapes.get(key)
  if (signers === undefined) {
    signers = Object.freeze(signersOf(params, party).map(s => Object.freeze({ ...s, identifiers: Object.freeze(s.identifiers), flatIds: Object.freeze(s.flatIds) })))
    if (key !== undefined) ctx.shapes.set(key, signers)
  }
  return Object.freeze({ scheme, groupPublicKey, groupKeyBytes, signers })
}

/** The session's entry for `signer`, or undefined when it is not in the party. */
export function sessionSigner (session: SigningSession, signer: SignerId): SessionSigner | undefined {
  return session.signers.find(s => s.committee === signer.committee && s.member === signer.member)
}
