// Scalar <-> byte conversions on Node's native hex codec (fewer allocations than going through
// @noble's generic helpers, on the hot path of every round). Outputs are fresh arrays, never
// slices of Node's shared Buffer pool, because secret scalars pass through here too.

/** Unsigned big-endian bytes to an integer. */
export function bigintFromBE (bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n
  return BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex'))
}

/** Unsigned little-endian bytes to an integer. */
export function bigintFromLE (bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n
  const reversed = new Uint8Array(bytes.length)
  for (let i = 0; i < bytes.length; i++) reversed[i] = bytes[bytes.length - 1 - i]!
  const value = BigInt('0x' + Buffer.from(reversed.buffer).toString('hex'))
  reversed.fill(0)
  return value
}

/** `k` (0 <= k < 2^256) as 32 big-endian bytes. */
export function bigintToBE32 (k: bigint): Uint8Array {
  if (k < 0n || k >= 1n << 256n) throw new RangeError('scalar out of range for 32 bytes')
  const out = new Uint8Array(32)
  Buffer.from(out.buffer, out.byteOffset, 32).write(k.toString(16).padStart(64, '0'), 'hex')
  return out
}

/** `k` (0 <= k < 2^256) as 32 little-endian bytes. */
export function bigintToLE32 (k: bigint): Uint8Array {
  return bigintToBE32(k).reverse()
}
