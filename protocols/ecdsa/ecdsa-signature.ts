// ECDSA signatures over secp256k1 as the network returns them (SEC1 §4.1.3, low-s as
// Bitcoin BIP 62 and Ethereum EIP-2 require): r = x(R) mod n, s normalised to s ≤ n/2
// with the recovery id flipped alongside, and the recovery id's second bit set in the
// rare case x(R) ≥ n (SEC1 §4.1.6). Wire forms: 64-byte r‖s and 65-byte r‖s‖v, v ∈ {0, 1, 2, 3}.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bigintFromBE } from '../frost/bytes.js'
import { encodeScalar, inv, mul, add, ORDER } from './scalar.js'

/** A digest to sign is exactly 32 bytes (keccak-256 for Ethereum, SHA-256 otherwise). */
export const DIGEST_BYTES = 32
export const SIGNATURE_BYTES = 64
export const RECOVERABLE_SIGNATURE_BYTES = 65
const HALF_ORDER = ORDER >> 1n

export interface EcdsaSignature {
  r: bigint
  s: bigint
  /** Recovery id: bit 0 the parity of R.y after low-s, bit 1 set when x(R) ≥ n. */
  recovery: number
}

/** The digest as a scalar (SEC1 bits2int for a 256-bit digest, then mod n). */
export function digestScalar (digest: Uint8Array): bigint {
  if (digest.length !== DIGEST_BYTES) throw new RangeError(`an ECDSA digest is ${DIGEST_BYTES} bytes, not ${digest.length}`)
  return bigintFromBE(digest) % ORDER
}

/** r and the recovery bits from the compressed encoding of R (02/03 ‖ x). */
export function nonceFacts (compressedR: Uint8Array): { r: bigint, yOdd: boolean, xOverflow: boolean } {
  const x = bigintFromBE(compressedR.subarray(1, 33))
  return { r: x % ORDER, yOdd: compressedR[0] === 0x03, xOverflow: x >= ORDER }
}

/** (r, s) from s as computed, with low-s normalisation flipping the parity bit. */
export function normalise (compressedR: Uint8Array, s: bigint): EcdsaSignature {
  const { r, yOdd, xOverflow } = nonceFacts(compressedR)
  const flip = s > HALF_ORDER
  const low = flip ? ORDER - s : s
  return { r, s: low, recovery: (Number(yOdd !== flip)) | (xOverflow ? 2 : 0) }
}

export function encodeSignature (sig: EcdsaSignature): Uint8Array {
  const out = new Uint8Array(SIGNATURE_BYTES)
  out.set(encodeScalar(sig.r), 0)
  out.set(encodeScalar(sig.s), 32)
  return out
}

/** r‖s‖v with v the recovery id (0/1, or 2/3 when x(R) ≥ n). */
export function encodeRecoverable (sig: EcdsaSignature): Uint8Array {
  const out = new Uint8Array(RECOVERABLE_SIGNATURE_BYTES)
  out.set(encodeSignature(sig), 0)
  out[64] = sig.recovery
  return out
}

/** Whether `signature` (64-byte r‖s, low-s) is `publicKey`'s on `digest`: noble, the independent verifier. */
export function verifyEcdsa (publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  if (digest.length !== DIGEST_BYTES || signature.length !== SIGNATURE_BYTES) return false
  try {
    return secp256k1.verify(signature, digest, publicKey, { prehash: false, lowS: true, format: 'compact' })
  } catch {
    return false
  }
}

/** s = Σw / Σu, the DKLs23 Protocol 3.6 step 10 combination; throws when Σu is 0 (negligible). */
export function combineShares (us: readonly bigint[], ws: readonly bigint[]): bigint {
  const u = us.reduce(add, 0n)
  if (u === 0n) throw new RangeError('the signature shares sum to u = 0')
  return mul(ws.reduce(add, 0n), inv(u))
}
