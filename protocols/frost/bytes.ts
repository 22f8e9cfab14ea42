// Scalar <-> byte conversions and byte concatenation on the hot path of every round, with Node's own codecs (DataView
// 64-bit reads and writes) rather than generic helpers. Outputs are fresh arrays, never
// slices of Node's shared Buffer pool, because secret scalars pass through here too.

/** Unsigned big-endian bytes to an integer (64 bits at a time when the length allows). */
export function bigintFromBE (bytes: Uint8Array): bigint {
  if (bytes.length % 8 !== 0) return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex'))
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  let value = 0n
  for (let i = 0; i < bytes.length; i += 8) value = (value << 64n) | view.getBigUint64(i)
  return value
}

/** Unsigned little-endian bytes to an integer (lengths that are multiples of 8 bytes). */
export function bigintFromLE (bytes: Uint8Array): bigint {
  if (bytes.length % 8 !== 0) throw new RangeError('little-endian input must be a multiple of 8 bytes')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  let value = 0n
  for (let i = bytes.length - 8; i >= 0; i -= 8) value = (value << 64n) | view.getBigUint64(i, true)
  return value
}

const TWO_256 = 1n << 256n

/** `k` (0 <= k < 2^256) as 32 big-endian bytes, 64 bits at a time (small values, e.g. identifiers, in one write). */
export function bigintToBE32 (k: bigint): Uint8Array {
  if (k < 0n || k >= TWO_256) throw new RangeError('scalar out of range for 32 bytes')
  const out = new Uint8Array(32)
  const view = new DataView(out.buffer)
  if (k <= 0xffffffffffffffffn) {
    view.setBigUint64(24, k)
    return out
  }
  view.setBigUint64(24, BigInt.asUintN(64, k))
  view.setBigUint64(16, BigInt.asUintN(64, k >> 64n))
  view.setBigUint64(8, BigInt.asUintN(64, k >> 128n))
  view.setBigUint64(0, k >> 192n)
  return out
}

/** `k` (0 <= k < 2^256) as 32 little-endian bytes. */
export function bigintToLE32 (k: bigint): Uint8Array {
  return bigintToBE32(k).reverse()
}

/** The parts end to end in a fresh array (never Node's shared Buffer pool: secrets and nonce inputs pass through here). */
export function concatBytes (parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
