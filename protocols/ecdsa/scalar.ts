// Scalars mod the secp256k1 group order n for DKLs23: field arithmetic on bigints through
// noble's field (the same Fn as the rest of the project), and the 32-byte big-endian wire
// form (SEC1), strict on decode.
//
// BigInt arithmetic is not constant time (NOTES-ecdsa.md pitfalls); the long-term share
// enters only `mul` with public or per-session masked values, and docs/threat-model.md
// lists the timing gap. Group operations with secret scalars use the group backend.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bigintFromBE, bigintToBE32 } from '../frost/bytes.js'
import type { Random } from '../machine/types.js'

export const Fn = secp256k1.Point.Fn
export const ORDER: bigint = Fn.ORDER
export const SCALAR_BYTES = 32
/** Bytes drawn per random scalar: 64 bytes mod n leave a bias below 2^-256. */
const RANDOM_SCALAR_BYTES = 64

export const add = (a: bigint, b: bigint): bigint => Fn.add(a, b)
export const sub = (a: bigint, b: bigint): bigint => Fn.sub(a, b)
export const mul = (a: bigint, b: bigint): bigint => Fn.mul(a, b)
export const neg = (a: bigint): bigint => Fn.neg(a)
export const inv = (a: bigint): bigint => Fn.inv(a)

/** A uniform scalar in [1, n) from injected randomness. */
export function randomScalar (random: Random): bigint {
  for (;;) {
    const k = bigintFromBE(random(RANDOM_SCALAR_BYTES)) % ORDER
    if (k !== 0n) return k
  }
}

/** 32 bytes, big-endian; `k` must already be reduced. */
export function encodeScalar (k: bigint): Uint8Array {
  if (k < 0n || k >= ORDER) throw new RangeError('scalar not reduced mod n')
  return bigintToBE32(k)
}

export class InvalidScalarEncodingError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'InvalidScalarEncodingError'
  }
}

/** Strict inverse of `encodeScalar`: exactly 32 bytes, value < n (no silent reduction). */
export function decodeScalar (bytes: Uint8Array): bigint {
  if (bytes.length !== SCALAR_BYTES) throw new InvalidScalarEncodingError(`a scalar is ${SCALAR_BYTES} bytes, not ${bytes.length}`)
  const k = bigintFromBE(bytes)
  if (k >= ORDER) throw new InvalidScalarEncodingError('scalar not below the group order')
  return k
}
