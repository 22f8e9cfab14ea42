// Wire pieces every nested sharing message shares: points as hex, a peer id,
// Feldman commitments {outer, inner}, and a grid of sealed sub-shares. Points
// are decoded and checked against their scheme later, where the scheme is known.
import { z } from 'zod'
import { hexString, hexUpTo } from './hex.js'

/** A point: 32 bytes (ed25519) or 33 bytes compressed SEC1 (secp256k1); the scheme check decodes it. */
export const PointHexSchema = z.string().regex(/^(?:[0-9a-f]{64}|[0-9a-f]{66})$/, 'expected a 32- or 33-byte point as lowercase hex')

export const PeerIdStringSchema = z.string().min(1).max(128)

/** Nested Feldman commitments: outer F_0..F_{tc-1}; inner[c-1] = G_{c,0..tm-1} of committee c. */
export const CommitmentsSchema = z.strictObject({
  outer: z.array(PointHexSchema).min(1).max(64),
  inner: z.array(z.array(PointHexSchema).min(1).max(64)).min(1).max(64)
})

/** A node dealer's sub-shares, each sealed to its member (HPKE enc + ciphertext): grid[c-1][m-1]. */
export const SealedGridSchema = z.array(z.array(z.strictObject({ enc: hexString(32), ciphertext: hexUpTo(128) })).min(1).max(64)).min(1).max(64)
