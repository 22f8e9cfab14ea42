// Scalar helpers shared by the group backends: the signer's response in plain bigint arithmetic,
// for libraries without constant-time scalar multiplication (noble, sodium-native) and for the
// negligible-probability cases (a zero intermediate) that libsecp256k1's functions refuse.
import type { ResponseInput } from './types.js'

export function mod (a: bigint, n: bigint): bigint {
  const r = a % n
  return r < 0n ? r + n : r
}

/** z = ±(slots·d + ρ·e) + w·s mod n, with d, e, s given by `value` from their bytes. */
export function bigintResponse (r: ResponseInput, n: bigint, value: (b: Uint8Array) => bigint): bigint {
  const nonces = mod(BigInt(r.slots) * value(r.hiding) + mod(r.rhoSum, n) * value(r.binding), n)
  return mod((r.negateNonces ? n - nonces : nonces) + mod(r.weight, n) * value(r.share), n)
}
