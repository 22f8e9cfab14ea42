// Bit-matrix transpose for the OT extension (KOS, ePrint 2015/546, Fig. 10, "Transpose and
// randomize" step 1; IKNP's column-to-row switch): the κ × ℓ' matrices q and t are made row by
// row from PRG outputs, but OT j needs column j as one κ-bit string.
//
// A matrix is its rows end to end, each row `cols` bits packed LSB first (bit c of a row in
// byte c >> 3 at bit c & 7), the packing of the choice bits and of Δ. Transposed 32 × 32 blocks
// at a time on words (Hacker's Delight §7-3, recursive block swaps), never bit by bit.

/** Transposes a 32 × 32 block in place: on return bit c of word r is what bit r of word c was. */
export function transpose32 (a: Uint32Array): void {
  // At each level, swap the top-right and bottom-left j × j sub-blocks of every 2j × 2j block.
  for (let j = 16, mask = 0x0000ffff; j !== 0; j >>>= 1, mask = (mask ^ (mask << j)) >>> 0) {
    for (let k = 0; k < 32; k = ((k | j) + 1) & ~j) {
      // Bits c (with c & j = 0) of t: word k's column c + j against word k + j's column c.
      const t = ((a[k]! >>> j) ^ a[k + j]!) & mask
      a[k] = a[k]! ^ (t << j)
      a[k + j] = a[k + j]! ^ t
    }
  }
}

/**
 * The transpose of the first `keepCols` columns of a `rows` × `cols` matrix: `keepCols` rows of
 * `rows` bits. `keepCols` < `cols` is KOS's cut (the ℓ' − ℓ masking columns are dropped).
 * `rows` and `keepCols` must be multiples of 32, `cols` of 8.
 */
export function transposeBits (bits: Uint8Array, rows: number, cols: number, keepCols = cols): Uint8Array {
  if (rows % 32 !== 0 || keepCols % 32 !== 0 || cols % 8 !== 0 || keepCols > cols || rows <= 0 || keepCols <= 0) {
    throw new RangeError(`cannot transpose ${rows} × ${cols} keeping ${keepCols} columns: rows and kept columns are multiples of 32`)
  }
  const rowBytes = cols / 8
  if (bits.length !== rows * rowBytes) throw new RangeError(`a ${rows} × ${cols} bit matrix is ${rows * rowBytes} bytes, not ${bits.length}`)
  const outRowBytes = rows / 8
  const out = new Uint8Array(keepCols * outRowBytes)
  const a = new Uint32Array(32)
  for (let r0 = 0; r0 < rows; r0 += 32) {
    for (let c0 = 0; c0 < keepCols; c0 += 32) {
      for (let r = 0; r < 32; r++) {
        const o = (r0 + r) * rowBytes + (c0 >>> 3)
        a[r] = bits[o]! | (bits[o + 1]! << 8) | (bits[o + 2]! << 16) | (bits[o + 3]! << 24)
      }
      transpose32(a)
      for (let c = 0; c < 32; c++) {
        const o = (c0 + c) * outRowBytes + (r0 >>> 3)
        const w = a[c]!
        out[o] = w
        out[o + 1] = w >>> 8
        out[o + 2] = w >>> 16
        out[o + 3] = w >>> 24
      }
    }
  }
  return out
}
