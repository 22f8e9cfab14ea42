// The group operations FROST needs, behind one interface per scheme, so the RFC 9591 rounds
// (../rfc9591.ts) run unchanged on a native addon, or on noble when no addon loads.
import type { CurveName } from '../../sharing/index.js'

declare const elementBrand: unique symbol
/**
 * A group element that passed strict decoding (on the curve, canonical, not the identity,
 * torsion-free for ed25519) or came out of a group operation. Only a `GroupBackend` makes one,
 * and only the backend that made it can use it: round functions never re-check it.
 */
export type Element = { readonly [elementBrand]: true }

/** Inputs of a signer's response z = ±(h·d + ρ·e) + w·s (RFC 9591 §5.2, nested: w = κ·c). */
export interface ResponseInput {
  /** Secret hiding and binding nonces d, e: canonical scalar bytes. */
  hiding: Uint8Array
  binding: Uint8Array
  /** How many flat identifiers the signer plays (1; 2 for a party of one signer). Public. */
  slots: number
  /** Σ ρ over those identifiers. Public. */
  rhoSum: bigint
  /** BIP340: the group commitment has odd Y, so the nonces count negated. */
  negateNonces: boolean
  /** Secret sub-share s: canonical scalar bytes. */
  share: Uint8Array
  /** Public weight of the share: κ·c (or λ·c in the flat RFC form). */
  weight: bigint
}

export interface GroupBackend {
  readonly scheme: CurveName
  /** Which library does the work, e.g. `sodium-native`, `secp256k1-native`, `noble`. */
  readonly name: string
  readonly order: bigint
  /** Strict decoding at the edge; throws `InvalidPointError`. */
  decode (bytes: Uint8Array): Element
  /** Canonical encoding (32 bytes ed25519, 33 bytes compressed secp256k1). Do not mutate it. */
  encode (p: Element): Uint8Array
  /** k·G for a secret non-zero scalar (canonical bytes), with the library's constant-time code. */
  mulBase (k: Uint8Array): Element
  /** k·P for a public scalar 0 < k < order. */
  mul (p: Element, k: bigint): Element
  /** k·G + P for a public scalar 0 <= k < order (a verifier's step). */
  addBase (p: Element, k: bigint): Element
  /** Σ points; throws when the sum is the identity (which has no encoding). */
  sum (points: readonly Element[]): Element
  negate (p: Element): Element
  equals (p: Element, q: Element): boolean
  /** A nonce scalar from a wide hash output (RFC 9591 §4.1 H3 before reduction), as canonical bytes. */
  nonce (wide: Uint8Array): Uint8Array
  /** The signer's response (see `ResponseInput`), as canonical scalar bytes. */
  response (r: ResponseInput): Uint8Array
}
