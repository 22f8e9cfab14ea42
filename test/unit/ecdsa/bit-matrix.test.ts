// The bit-matrix transpose of the OT extension (protocols/ecdsa/bit-matrix.ts) against a
// naive per-bit transpose, with KOS's cut to BATCH_SIZE_OTS columns.
import { describe, expect, it } from 'vitest'
import { transpose32, transposeBits } from '../../../protocols/ecdsa/bit-matrix.js'
import { BATCH_SIZE_OTS, EXTENDED_BATCH_SIZE_OTS, KAPPA_BITS } from '../../../protocols/ecdsa/ot-params.js'
import { seeded } from '../../helpers/deterministic.js'

const bit = (m: Uint8Array, rowBytes: number, r: number, c: number): number => (m[r * rowBytes + (c >> 3)]! >> (c & 7)) & 1

function naive (m: Uint8Array, rows: number, cols: number, keepCols: number): Uint8Array {
  const out = new Uint8Array(keepCols * rows / 8)
  for (let c = 0; c < keepCols; c++) {
    for (let r = 0; r < rows; r++) if (bit(m, cols / 8, r, c) === 1) out[c * rows / 8 + (r >> 3)]! |= 1 << (r & 7)
  }
  return out
}

const random = seeded('bit-matrix')

describe('bit-matrix transpose', () => {
  it('transposes one 32 × 32 block: bit c of word r goes to bit r of word c', () => {
    const a = new Uint32Array(32)
    a[3] = 1 << 17
    transpose32(a)
    expect(Array.from(a).map((w, i) => [i, w]).filter(([, w]) => w !== 0)).toEqual([[17, 1 << 3]])
  })

  it('matches a naive per-bit transpose, the cut to BATCH_SIZE_OTS columns included', () => {
    for (let i = 0; i < 3; i++) {
      const m = random(KAPPA_BITS * EXTENDED_BATCH_SIZE_OTS / 8)
      expect(transposeBits(m, KAPPA_BITS, EXTENDED_BATCH_SIZE_OTS, BATCH_SIZE_OTS)).toEqual(naive(m, KAPPA_BITS, EXTENDED_BATCH_SIZE_OTS, BATCH_SIZE_OTS))
    }
    const small = random(64 * 40 / 8)
    expect(transposeBits(small, 64, 40 * 8 / 8, 32)).toEqual(naive(small, 64, 40, 32))
  })

  it('transposed twice is the identity', () => {
    const m = random(KAPPA_BITS * BATCH_SIZE_OTS / 8)
    const t = transposeBits(m, KAPPA_BITS, BATCH_SIZE_OTS)
    expect(t.length).toBe(m.length)
    expect(t).not.toEqual(m)
    expect(transposeBits(t, BATCH_SIZE_OTS, KAPPA_BITS)).toEqual(m)
  })

  it('refuses shapes it cannot block and inputs of the wrong size', () => {
    expect(() => transposeBits(new Uint8Array(40 * 4), 40, 32)).toThrow(RangeError)
    expect(() => transposeBits(new Uint8Array(32 * 8), 32, 64, 96)).toThrow(RangeError)
    expect(() => transposeBits(new Uint8Array(32 * 8 - 1), 32, 64)).toThrow(RangeError)
  })
})
