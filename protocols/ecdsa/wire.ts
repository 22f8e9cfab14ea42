// DKLs23's messages as the signing machines carry them (docs/protocols/ecdsa.md#wire):
// JSON objects, points as 33-byte compressed SEC1 hex, scalars as 32-byte big-endian
// hex (< n), the large OT-extension blocks as canonical base64. Every schema is strict
// (exact lengths, no extra fields); decoding a payload either gives the typed message or
// a one-line reason naming the field, and a refusal names the member who sent it.
import { z } from 'zod'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { hexString } from '../wire/hex.js'
import { HASH_BYTES } from './hash.js'
import { MUL_INPUTS, MUL_OT_WIDTH } from './multiplication.js'
import { decodeOteReceiverMessage, decodeTau, encodeOteReceiverMessage, encodeTau, OTE_RECEIVER_MESSAGE_BYTES, OTE_TAU_BYTES_PER_WIDTH } from './ot-extension-wire.js'
import { decodeScalar, encodeScalar, ORDER, SCALAR_BYTES } from './scalar.js'
import type { Round1Message, Round2Message } from './sign.js'
import { COMMITMENT_SALT_BYTES } from './commitment.js'

export const POINT_BYTES = 33
/** τ of one multiplication: MUL_OT_WIDTH × BATCH_SIZE_OTS scalars. */
export const TAU_BYTES = MUL_OT_WIDTH * OTE_TAU_BYTES_PER_WIDTH
/** At most this many members in a party (the zero-share fragments list). */
export const MAX_PARTY_MEMBERS = 64

/** Canonical base64 of exactly `bytes` bytes. */
export const base64Bytes = (bytes: number) => z.string()
  .length(4 * Math.ceil(bytes / 3), `expected ${bytes} bytes as base64`)
  .refine(s => Buffer.from(s, 'base64').toString('base64') === s, 'expected canonical base64')

const point = hexString(POINT_BYTES)
const scalar = hexString(SCALAR_BYTES).refine(s => BigInt('0x' + s) < ORDER, 'scalar not below the group order')

export const Round1PayloadSchema = z.strictObject({
  commitment: hexString(HASH_BYTES),
  ote: base64Bytes(OTE_RECEIVER_MESSAGE_BYTES)
})

export const Round2PayloadSchema = z.strictObject({
  instancePoint: point,
  salt: hexString(COMMITMENT_SALT_BYTES),
  publicShare: point,
  zeroFragments: z.array(point).max(MAX_PARTY_MEMBERS),
  gammaU: point,
  gammaV: point,
  psi: scalar,
  tau: base64Bytes(TAU_BYTES),
  verifyR: hexString(HASH_BYTES),
  verifyU: z.array(scalar).length(MUL_INPUTS),
  gamma: z.array(scalar).length(MUL_INPUTS)
})

export type Round1Payload = z.infer<typeof Round1PayloadSchema>
export type Round2Payload = z.infer<typeof Round2PayloadSchema>

const hex = (b: Uint8Array): string => bytesToHex(b)
const scalarHex = (k: bigint): string => bytesToHex(encodeScalar(k))
const scalarOf = (h: string): bigint => decodeScalar(hexToBytes(h))

export function encodeRound1 (m: Round1Message): Round1Payload {
  return { commitment: hex(m.commitment), ote: Buffer.from(encodeOteReceiverMessage(m.ote)).toString('base64') }
}

/** A checked payload back to the message (the schema already checked every length). */
export function decodeRound1 (p: Round1Payload): Round1Message {
  return { commitment: hexToBytes(p.commitment), ote: decodeOteReceiverMessage(new Uint8Array(Buffer.from(p.ote, 'base64'))) }
}

export function encodeRound2 (m: Round2Message): Round2Payload {
  return {
    instancePoint: hex(m.instancePoint),
    salt: hex(m.salt),
    publicShare: hex(m.publicShare),
    zeroFragments: m.zeroFragments.map(hex),
    gammaU: hex(m.gammaU),
    gammaV: hex(m.gammaV),
    psi: scalarHex(m.psi),
    tau: Buffer.from(encodeTau(m.mul.tau, MUL_OT_WIDTH)).toString('base64'),
    verifyR: hex(m.mul.verifyR),
    verifyU: m.mul.verifyU.map(scalarHex),
    gamma: m.mul.gamma.map(scalarHex)
  }
}

/** Throws (OteMalformedError) when a τ entry is not below n: the caller names the sender. */
export function decodeRound2 (p: Round2Payload): Round2Message {
  const tau = decodeTau(new Uint8Array(Buffer.from(p.tau, 'base64')), MUL_OT_WIDTH)
  return {
    instancePoint: hexToBytes(p.instancePoint),
    salt: hexToBytes(p.salt),
    publicShare: hexToBytes(p.publicShare),
    zeroFragments: p.zeroFragments.map(hexToBytes),
    gammaU: hexToBytes(p.gammaU),
    gammaV: hexToBytes(p.gammaV),
    psi: scalarOf(p.psi),
    mul: { tau, verifyR: hexToBytes(p.verifyR), verifyU: p.verifyU.map(scalarOf), gamma: p.gamma.map(scalarOf) }
  }
}
