// Wire forms of round-1 commitments and round-2 shares (DESIGN 7: lowercase hex), validated at
// the edge: exact lengths, canonical points of the scheme (not the identity) and scalars < order.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { z } from 'zod'
import { curveFor, SCALAR_BYTES, type Scheme } from '../sharing/index.js'
import { hexString } from '../wire/hex.js'
import { InvalidWireError } from './errors.js'
import { SIGNATURE_BYTES } from './verify-signature.js'
import type { SignatureShare, SigningCommitments } from './types.js'

/** Committee and member numbers on the wire; the key record allows at most 64 of each. */
const Index = z.int().min(1).max(64)

const POINT_BYTES: Record<Scheme, number> = { ed25519: 32, secp256k1: 33 }

/** `{ committee, member, hiding, binding }`; points are 32 (ed25519) or 33 (secp256k1) bytes. */
export function commitmentsWireSchema (scheme: Scheme) {
  const point = hexString(POINT_BYTES[scheme])
  return z.strictObject({ committee: Index, member: Index, hiding: point, binding: point })
}

/** `{ committee, member, share }`; the share is a 32-byte scalar for both schemes. */
export function signatureShareWireSchema (_scheme: Scheme) {
  return z.strictObject({ committee: Index, member: Index, share: hexString(SCALAR_BYTES) })
}

/** The final signature: 64 bytes for both schemes. */
export const SignatureWireSchema = hexString(SIGNATURE_BYTES)

export type SigningCommitmentsWire = z.infer<ReturnType<typeof commitmentsWireSchema>>
export type SignatureShareWire = z.infer<ReturnType<typeof signatureShareWireSchema>>

export function encodeCommitments (c: SigningCommitments): SigningCommitmentsWire {
  return { committee: c.committee, member: c.member, hiding: bytesToHex(c.hiding), binding: bytesToHex(c.binding) }
}

export function encodeSignatureShare (s: SignatureShare): SignatureShareWire {
  return { committee: s.committee, member: s.member, share: bytesToHex(s.share) }
}

function parse<T> (schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value)
  if (!result.success) {
    throw new InvalidWireError(`${what}: ${result.error.issues.map(i => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`)
  }
  return result.data
}

/** Parses and checks wire commitments; throws `InvalidWireError` (both points must decode strictly). */
export function decodeCommitments (scheme: Scheme, value: unknown): SigningCommitments {
  const wire = parse(commitmentsWireSchema(scheme), value, `${scheme} commitments`)
  const curve = curveFor(scheme)
  const point = (hex: string, field: string): Uint8Array => {
    const bytes = hexToBytes(hex)
    try {
      curve.decodePoint(bytes)
    } catch (err) {
      throw new InvalidWireError(`${scheme} commitments: ${field}: ${(err as Error).message}`)
    }
    return bytes
  }
  return { committee: wire.committee, member: wire.member, hiding: point(wire.hiding, 'hiding'), binding: point(wire.binding, 'binding') }
}

/** Parses and checks a wire signature share; throws `InvalidWireError` unless it is a scalar < order. */
export function decodeSignatureShare (scheme: Scheme, value: unknown): SignatureShare {
  const wire = parse(signatureShareWireSchema(scheme), value, `${scheme} signature share`)
  const bytes = hexToBytes(wire.share)
  try {
    curveFor(scheme).decodeScalar(bytes)
  } catch (err) {
    throw new InvalidWireError(`${scheme} signature share: ${(err as Error).message}`)
  }
  return { committee: wire.committee, member: wire.member, share: bytes }
}
