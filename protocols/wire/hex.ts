// Lowercase hex at the wire edge: zod schemas that check the length and give bytes.
import { z } from 'zod'

export const hexString = (bytes?: number) => bytes === undefined
  ? z.string().regex(/^(?:[0-9a-f]{2})*$/, 'expected lowercase hex')
  : z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `expected ${bytes} bytes as lowercase hex`)

/** Hex of at most `maxBytes` bytes. */
export const hexUpTo = (maxBytes: number) =>
  z.string().max(maxBytes * 2, `at most ${maxBytes} bytes`).regex(/^(?:[0-9a-f]{2})*$/, 'expected lowercase hex')
