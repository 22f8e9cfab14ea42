// GF(2^208) = GF(2)[x] / (x^208 + x^9 + x^3 + x + 1), the field of the KOS consistency check
// (ePrint 2015/546, corrected version, Fig. 10; the polynomial of Hankerson–Menezes–Vanstone,
// "Guide to ECC", Table A.1, as used by coinbase kryptology and the DKLs23 reference).
//
// An element is 7 little-endian 32-bit words (bit k of the element = coefficient of x^k; the
// last word holds 16 bits), and its wire form is 26 bytes, bit k in byte k >> 3 at bit k & 7 —
// the same LSB-first packing as the OT matrices, so a block of a row reads straight in.
// Multiplication is HMV Algorithm 2.36 (left-to-right comb, 4-bit windows) then word-wise
// reduction (HMV §2.3.5). JavaScript has no carry-less multiply; a shift-and-xor bigint product
// measured about 10× slower here (≈15–30 µs against 1–3 µs), and the check makes 2·(κ + 1) products
// per side. 8-bit windows halve the comb's XORs but cost a 256-entry table per factor: no faster.
import { FIELD_BYTES } from './ot-params.js'

/** An element: 7 words, little-endian, the top 16 bits of word 6 zero. */
export type Gf208 = Uint32Array

export const GF208_WORDS = 7
/** An unreduced product: up to degree 414, 13 words (one spare for the comb's shifts). */
const WIDE_WORDS = 14
const WINDOW_BITS = 4
const WINDOWS = 1 << WINDOW_BITS

/** The element of the 26 wire bytes at `offset` (the bytes of a row block, say). */
export function gf208FromBytes (bytes: Uint8Array, offset = 0): Gf208 {
  if (offset < 0 || offset + FIELD_BYTES > bytes.length) throw new RangeError(`a GF(2^208) element is ${FIELD_BYTES} bytes`)
  const a = new Uint32Array(GF208_WORDS)
  for (let w = 0; w < 6; w++) {
    const o = offset + 4 * w
    a[w] = bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)
  }
  a[6] = bytes[offset + 24]! | (bytes[offset + 25]! << 8)
  return a
}

/** The 26 wire bytes of `a`, written at `offset` of `out` (a fresh array when none is given). */
export function gf208ToBytes (a: Gf208, out: Uint8Array = new Uint8Array(FIELD_BYTES), offset = 0): Uint8Array {
  for (let w = 0; w < 6; w++) {
    const v = a[w]!
    const o = offset + 4 * w
    out[o] = v
    out[o + 1] = v >>> 8
    out[o + 2] = v >>> 16
    out[o + 3] = v >>> 24
  }
  out[offset + 24] = a[6]!
  out[offset + 25] = a[6]! >>> 8
  return out
}

export function gf208Add (a: Gf208, b: Gf208): Gf208 {
  const c = new Uint32Array(GF208_WORDS)
  for (let w = 0; w < GF208_WORDS; w++) c[w] = a[w]! ^ b[w]!
  return c
}

export function gf208Equal (a: Gf208, b: Gf208): boolean {
  let diff = 0
  for (let w = 0; w < GF208_WORDS; w++) diff |= a[w]! ^ b[w]!
  return diff === 0
}

/**
 * The 16 multiples u(x)·b(x), deg u < 4, that the comb adds: precomputed once per fixed
 * factor (the check multiplies KAPPA + 1 elements by each of χ1, χ2).
 */
export interface Gf208Multiplier { readonly table: Uint32Array }

export function gf208Multiplier (b: Gf208): Gf208Multiplier {
  // Entries are 7 words: b has degree < 208, u·b degree < 211 < 224.
  const table = new Uint32Array(WINDOWS * GF208_WORDS)
  for (let w = 0; w < GF208_WORDS; w++) table[GF208_WORDS + w] = b[w]!
  for (let u = 2; u < WINDOWS; u++) {
    const at = u * GF208_WORDS
    if ((u & 1) === 0) {
      // u·b = (u/2)·b shifted by one bit.
      const half = (u >> 1) * GF208_WORDS
      let carry = 0
      for (let w = 0; w < GF208_WORDS; w++) {
        const v = table[half + w]!
        table[at + w] = (v << 1) | carry
        carry = v >>> 31
      }
    } else {
      for (let w = 0; w < GF208_WORDS; w++) table[at + w] = table[at - GF208_WORDS + w]! ^ b[w]!
    }
  }
  return { table }
}

/** wide ^= a·b without reduction (HMV Alg. 2.36), so several products can share one reduction. */
export function gf208MulAccumulate (wide: Uint32Array, m: Gf208Multiplier, a: Gf208): void {
  const table = m.table
  const c = new Uint32Array(WIDE_WORDS)
  for (let k = 32 - WINDOW_BITS; k >= 0; k -= WINDOW_BITS) {
    for (let j = 0; j < GF208_WORDS; j++) {
      const u = ((a[j]! >>> k) & (WINDOWS - 1)) * GF208_WORDS
      if (u === 0) continue
      for (let w = 0; w < GF208_WORDS; w++) c[j + w] = c[j + w]! ^ table[u + w]!
    }
    if (k !== 0) {
      for (let w = WIDE_WORDS - 1; w > 0; w--) c[w] = (c[w]! << WINDOW_BITS) | (c[w - 1]! >>> (32 - WINDOW_BITS))
      c[0] = c[0]! << WINDOW_BITS
    }
  }
  for (let w = 0; w < WIDE_WORDS; w++) wide[w] = wide[w]! ^ c[w]!
}

/** A fresh accumulator for `gf208MulAccumulate`. */
export const gf208Wide = (): Uint32Array => new Uint32Array(WIDE_WORDS)

/**
 * wide mod f, f = x^208 + x^9 + x^3 + x + 1 (HMV §2.3.5 adapted to 32-bit words). A word t at
 * word index i ≥ 7 stands for t·x^(32i) = t·x^(32(i-7)+16)·x^208 ≡ t·x^(32(i-7)+16)·(x^9+x^3+x+1),
 * so it is folded in at bit offsets 16 + {0, 1, 3, 9} from word i − 7; top words first, since
 * word 12's fold reaches word 6, whose bits 208..223 are folded last.
 */
export function gf208Reduce (wide: Uint32Array): Gf208 {
  const c = Uint32Array.from(wide)
  for (let i = WIDE_WORDS - 1; i >= GF208_WORDS; i--) {
    const t = c[i]!
    if (t === 0) continue
    c[i - 7] = c[i - 7]! ^ (t << 16) ^ (t << 17) ^ (t << 19) ^ (t << 25)
    c[i - 6] = c[i - 6]! ^ (t >>> 16) ^ (t >>> 15) ^ (t >>> 13) ^ (t >>> 7)
    c[i] = 0
  }
  const t = c[6]! >>> 16
  c[0] = c[0]! ^ t ^ (t << 1) ^ (t << 3) ^ (t << 9)
  c[6] = c[6]! & 0xffff
  return c.slice(0, GF208_WORDS)
}

export function gf208Mul (a: Gf208, b: Gf208): Gf208 {
  const wide = gf208Wide()
  gf208MulAccumulate(wide, gf208Multiplier(b), a)
  return gf208Reduce(wide)
}
