// protocols/frost/bytes.ts: the hot-path scalar <-> byte conversions agree with @noble/curves'
// helpers for every length the rounds use, and refuse what they cannot represent.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bytesToNumberBE, bytesToNumberLE, numberToBytesBE, numberToBytesLE } from '@noble/curves/utils.js'
import { bigintFromBE, bigintFromLE, bigintToBE32, bigintToLE32 } from '../../protocols/frost/bytes.js'

describe('scalar <-> bytes', () => {
  it('reads big- and little-endian inputs of 32, 48 and 64 bytes (and odd lengths big-endian) like noble', () => {
    fc.assert(fc.property(fc.constantFrom(32, 48, 64, 33, 1), fc.infiniteStream(fc.integer({ min: 0, max: 255 })), (n, stream) => {
      const bytes = Uint8Array.from(stream.take(n))
      // A view into a larger buffer, at an offset: the conversions must respect both.
      const padded = new Uint8Array(n + 5)
      padded.set(bytes, 3)
      const view = padded.subarray(3, 3 + n)
      expect(bigintFromBE(view)).toBe(bytesToNumberBE(bytes))
      if (n % 8 === 0) expect(bigintFromLE(view)).toBe(bytesToNumberLE(bytes))
    }), { numRuns: 200, seed: 32 })
  })

  it('writes 32-byte encodings like noble, into fresh arrays', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), k => {
      expect(bigintToBE32(k)).toEqual(numberToBytesBE(k, 32))
      expect(bigintToLE32(k)).toEqual(numberToBytesLE(k, 32))
      expect(bigintToBE32(k).byteOffset).toBe(0)
      expect(bigintToBE32(k).buffer.byteLength).toBe(32)
    }), { numRuns: 200, seed: 256 })
    // Small values (identifiers) take a shorter path; the 64-bit boundaries on both sides of it.
    for (const k of [0n, 1n, 5n, (1n << 64n) - 1n, 1n << 64n, (1n << 128n) + 1n, (1n << 192n) - 1n, (1n << 256n) - 1n]) {
      expect(bigintToBE32(k)).toEqual(numberToBytesBE(k, 32))
      expect(bigintToLE32(k)).toEqual(numberToBytesLE(k, 32))
    }
  })

  it('refuses values that do not fit and little-endian lengths it does not read', () => {
    expect(() => bigintToBE32(1n << 256n)).toThrow(RangeError)
    expect(() => bigintToLE32(-1n)).toThrow(RangeError)
    expect(() => bigintFromLE(new Uint8Array(33))).toThrow(RangeError)
    expect(bigintFromBE(new Uint8Array(0))).toBe(0n)
  })
})
