// A key's scheme, as its record names it (`record.scheme`): which signatures
// the key makes, and from that which curve its shares live on and which
// threshold protocol signs with it. The sharing layer (protocols/sharing/)
// knows only curves; every place that hands a record's key to it goes
// through sharingCurveOf, and every place that signs goes through
// signingProtocolOf, so that a scheme added here cannot silently reach the
// wrong protocol (FROST never signs an ecdsa-secp256k1 key).
import type { CurveName } from '../sharing/index.js'

/**
 * `ed25519`: FROST(Ed25519, SHA-512) signatures (RFC 9591). `secp256k1`: FROST(secp256k1,
 * SHA-256) producing BIP340 Schnorr signatures. `ecdsa-secp256k1`: threshold ECDSA with
 * DKLs23 (DESIGN 11), for Ethereum and other ECDSA chains.
 */
export const KEY_SCHEMES = ['ed25519', 'secp256k1', 'ecdsa-secp256k1'] as const
export type KeyScheme = typeof KEY_SCHEMES[number]

/** The threshold protocols a key can be signed with. */
export type SigningProtocol = 'frost' | 'dkls23'

interface KeySchemeSpec {
  /** The group its nested sharing, commitments and resharing run over. */
  readonly curve: CurveName
  readonly signing: SigningProtocol
  /** Exact length of a message to sign, when the scheme signs a digest the client made (ECDSA); else any length. */
  readonly digestBytes?: number
}

const SPECS: { readonly [S in KeyScheme]: KeySchemeSpec } = {
  ed25519: { curve: 'ed25519', signing: 'frost' },
  secp256k1: { curve: 'secp256k1', signing: 'frost' },
  // The client hashes (keccak-256 for Ethereum, SHA-256 otherwise): ECDSA signs a 32-byte digest (DESIGN 11).
  'ecdsa-secp256k1': { curve: 'secp256k1', signing: 'dkls23', digestBytes: 32 }
}

/** A string that is not one of KEY_SCHEMES (schemes arrive from the wire and the command line as strings). */
export class UnknownKeySchemeError extends RangeError {
  constructor (readonly scheme: unknown) {
    super(`unknown key scheme ${JSON.stringify(scheme)}; known: ${KEY_SCHEMES.join(', ')}`)
    this.name = 'UnknownKeySchemeError'
  }
}

export function isKeyScheme (value: unknown): value is KeyScheme {
  // hasOwn, not `in`: "toString" must not reach Object.prototype.
  return typeof value === 'string' && Object.hasOwn(SPECS, value)
}

function specOf (scheme: KeyScheme): KeySchemeSpec {
  if (!isKeyScheme(scheme)) throw new UnknownKeySchemeError(scheme)
  return SPECS[scheme]
}

/** The curve a key of this scheme is shared, dealt, checked and reshared over. */
export function sharingCurveOf (scheme: KeyScheme): CurveName {
  return specOf(scheme).curve
}

/** The threshold protocol that signs with a key of this scheme. */
export function signingProtocolOf (scheme: KeyScheme): SigningProtocol {
  return specOf(scheme).signing
}

/** The length every message to sign must have for this scheme (a digest), or undefined when any length is signed. */
export function digestBytesOf (scheme: KeyScheme): number | undefined {
  return specOf(scheme).digestBytes
}

/** A key FROST does not sign was handed to FROST: a bug in whoever picked the protocol, never a peer's doing. */
export class NotAFrostKeyError extends Error {
  constructor (readonly scheme: KeyScheme) {
    super(`a ${scheme} key is signed with ${signingProtocolOf(scheme)}, not FROST`)
    this.name = 'NotAFrostKeyError'
  }
}

/**
 * FROST's ciphersuite for a key FROST signs, named by its curve (FROST-ED25519-SHA512,
 * FROST-secp256k1-SHA256-TR); throws NotAFrostKeyError for any other key.
 */
export function frostCurveOf (scheme: KeyScheme): CurveName {
  if (signingProtocolOf(scheme) !== 'frost') throw new NotAFrostKeyError(scheme)
  return sharingCurveOf(scheme)
}
