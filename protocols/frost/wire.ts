// Wire forms of round-1 commitments and round-2 shares (DESIGN 7: lowercase hex), validated at
// the edge: exact lengths, canonical points of the scheme (not the identity) and scalars < order.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { z } from 'zod'
import { SCALAR_BYTES, type CurveName } from '../sharing/index.js'
import type { FrostContext } from './context.js'
import { rememberCommitments } from './elements.js'
import type { Element } from './group/types.js'
import { suiteFor } from './suite.js'
import { hexString } from '../wire/hex.js'
import { InvalidWireError } from './errors.js'
import { SIGNATURE_BYTES } from './verify-signature.js'
import type { SignatureShare, SigningCommitments } from './types.js'

/** Committee and member numbers on the wire; the key record allows at most 64 of each. */
const Index = z.int().min(1).max(64)

const POINT_BYTES: Record<CurveName, number> = { ed25519: 32, secp256k1: 33 }

function commitmentsSchemaFor (scheme: CurveName) {
  const point = hexString(POINT_BYTES[scheme])
  return z.strictObject({ committee: Index, member: Index, hiding: point, binding: point })
}

// Built once per scheme: zod compiles a schema on its first parse, and a schema built per call was
// compiled on every commitment a node decoded (6 % of a signing node's time, docs/performance.md).
const COMMITMENTS_SCHEMAS = { ed25519: commitmentsSchemaFor('ed25519'), secp256k1: commitmentsSchemaFor('secp256k1') }
const SIGNATURE_SHARE_SCHEMA = z.strictObject({ committee: Index, member: Index, share: hexString(SCALAR_BYTES) })

/** `{ committee, member, hiding, binding }`; points are 32 (ed25519) or 33 (secp256k1) bytes. */
export function commitmentsWireSchema (scheme: CurveName): ReturnType<typeof commitmentsSchemaFor> {
  const schema = COMMITMENTS_SCHEMAS[scheme]
  if (schema === undefined) throw new RangeError(`unknown scheme ${String(scheme)}`)
  return schema
}

/** `{ committee, member, share }`; the share is a 32-byte scalar for both schemes. */
export function signatureShareWireSchema (_scheme: CurveName): typeof SIGNATURE_SHARE_SCHEMA {
  return SIGNATURE_SHARE_SCHEMA
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

/**
 * Parses and checks wire commitments; throws `InvalidWireError`. This is where a received point is
 * validated (on the curve, canonical, not the identity, torsion-free for ed25519), once: the rounds
 * reuse the elements decoded here (the Frost `ctx` remembers them).
 */
export function decodeCommitments (ctx: FrostContext, scheme: CurveName, value: unknown): SigningCommitments {
  const wire = parse(commitmentsWireSchema(scheme), value, `${scheme} commitments`)
  const group = ctx.group(scheme)
  const point = (hex: string, field: string): { bytes: Uint8Array, element: Element } => {
    const bytes = hexToBytes(hex)
    try {
      return { bytes, element: group.decode(bytes) }
    } catch (err) {
      throw new InvalidWireError(`${scheme} commitments: ${field}: ${(err as Error).message}`)
    }
  }
  const hiding = point(wire.hiding, 'hiding')
  const binding = point(wire.binding, 'binding')
  const commitments: SigningCommitments = { committee: wire.committee, member: wire.member, hiding: hiding.bytes, binding: binding.bytes }
  rememberCommitments(ctx, scheme, commitments, hiding.element, binding.element)
  return commitments
}

/** Parses and checks a wire signature share; throws `InvalidWireError` unless it is a scalar < order. */
export function decodeSignatureShare (scheme: CurveName, value: unknown): SignatureShare {
  const wire = parse(signatureShareWireSchema(scheme), value, `${scheme} signature share`)
  const bytes = hexToBytes(wire.share)
  const suite = suiteFor(scheme)
  if (suite.scalarValue(bytes) >= suite.order) throw new InvalidWireError(`${scheme} signature share: scalar is not below the group order`)
  return { committee: wire.committee, member: wire.member, share: bytes }
}
