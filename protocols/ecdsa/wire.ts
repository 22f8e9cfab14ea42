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
import { SENDER_NONCE_BYTES } from './ot-extension.js'
import { PAIR_ID_BYTES } from './pair-setup.js'
import { decodeOteReceiverMessage, decodeTau, encodeOteReceiverMessage, encodeTau, OTE_RECEIVER_MESSAGE_BYTES, OTE_TAU_BYTES_PER_WIDTH } from './ot-extension-wire.js'
import { decodeScalar, encodeScalar, ORDER, SCALAR_BYTES } from './scalar.js'
import type { DleqProof } from './dleq.js'
import type { ContributedShare, ShareEvidence } from './final-share-evidence.js'
import type { FinalShare, Round1Message, Round2Message } from './sign.js'
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
  .refine(s => Buffer.from(s, 'base64').byteLength === bytes, `expected ${bytes} bytes as base64`) // the length alone lets 1–2 bytes fewer or more through

const point = hexString(POINT_BYTES)
const scalar = hexString(SCALAR_BYTES).refine(s => BigInt('0x' + s) < ORDER, 'scalar not below the group order')

export const Round1PayloadSchema = z.strictObject({
  /** The id of the pair setup the sender uses with the recipient (PairKeys.id). */
  pair: hexString(PAIR_ID_BYTES),
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
  nonce: hexString(SENDER_NONCE_BYTES),
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

export function encodeRound1 (m: Round1Message, pairId: Uint8Array): Round1Payload {
  return { pair: hex(pairId), commitment: hex(m.commitment), ote: Buffer.from(encodeOteReceiverMessage(m.ote)).toString('base64') }
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
    nonce: hex(m.mul.nonce),
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
    mul: { nonce: hexToBytes(p.nonce), tau, verifyR: hexToBytes(p.verifyR), verifyU: p.verifyU.map(scalarOf), gamma: p.gamma.map(scalarOf) }
  }
}

const DleqSchema = z.strictObject({ c: scalar, s: scalar })
/** A member tag, `committee/member`. */
const MemberTagSchema = z.string().regex(/^[1-9][0-9]{0,2}\/[1-9][0-9]{0,2}$/, 'expected committee/member')

export const ShareEvidenceSchema = z.strictObject({
  instancePoint: point,
  publicShare: point,
  phi: point,
  tu: point,
  tv: point,
  proof: DleqSchema,
  peers: z.array(z.strictObject({
    peer: MemberTagSchema,
    sent: z.strictObject({ gammaU: point, gammaV: point, psi: scalar }),
    got: z.strictObject({ instancePoint: point, publicShare: point, gammaU: point, gammaV: point, psi: scalar }),
    eu: point,
    ev: point,
    proof: DleqSchema
  })).max(MAX_PARTY_MEMBERS - 1)
})

/** What a DKLs23 signer hands the coordinator: R, its final share (u, w) and the evidence that fixes it. */
export const EcdsaContributionSchema = z.strictObject({
  instancePoint: point,
  u: scalar,
  w: scalar,
  evidence: ShareEvidenceSchema
})
export type EcdsaContributionWire = z.infer<typeof EcdsaContributionSchema>

const dleqWire = (p: DleqProof): z.infer<typeof DleqSchema> => ({ c: scalarHex(p.c), s: scalarHex(p.s) })
const dleqOf = (p: z.infer<typeof DleqSchema>): DleqProof => ({ c: scalarOf(p.c), s: scalarOf(p.s) })

export function encodeContribution (instancePoint: Uint8Array, share: FinalShare, evidence: ShareEvidence): EcdsaContributionWire {
  return {
    instancePoint: hex(instancePoint),
    u: scalarHex(share.u),
    w: scalarHex(share.w),
    evidence: {
      instancePoint: hex(evidence.instancePoint),
      publicShare: hex(evidence.publicShare),
      phi: hex(evidence.phi),
      tu: hex(evidence.tu),
      tv: hex(evidence.tv),
      proof: dleqWire(evidence.proof),
      peers: evidence.peers.map(p => ({
        peer: p.peer,
        sent: { gammaU: hex(p.sent.gammaU), gammaV: hex(p.sent.gammaV), psi: scalarHex(p.sent.psi) },
        got: { instancePoint: hex(p.got.instancePoint), publicShare: hex(p.got.publicShare), gammaU: hex(p.got.gammaU), gammaV: hex(p.got.gammaV), psi: scalarHex(p.got.psi) },
        eu: hex(p.eu),
        ev: hex(p.ev),
        proof: dleqWire(p.proof)
      }))
    }
  }
}

export function decodeContribution (c: EcdsaContributionWire): { instancePoint: Uint8Array, share: ContributedShare } {
  const e = c.evidence
  return {
    instancePoint: hexToBytes(c.instancePoint),
    share: {
      u: scalarOf(c.u),
      w: scalarOf(c.w),
      evidence: {
        instancePoint: hexToBytes(e.instancePoint),
        publicShare: hexToBytes(e.publicShare),
        phi: hexToBytes(e.phi),
        tu: hexToBytes(e.tu),
        tv: hexToBytes(e.tv),
        proof: dleqOf(e.proof),
        peers: e.peers.map(p => ({
          peer: p.peer,
          sent: { gammaU: hexToBytes(p.sent.gammaU), gammaV: hexToBytes(p.sent.gammaV), psi: scalarOf(p.sent.psi) },
          got: { instancePoint: hexToBytes(p.got.instancePoint), publicShare: hexToBytes(p.got.publicShare), gammaU: hexToBytes(p.got.gammaU), gammaV: hexToBytes(p.got.gammaV), psi: scalarOf(p.got.psi) },
          eu: hexToBytes(p.eu),
          ev: hexToBytes(p.ev),
          proof: dleqOf(p.proof)
        }))
      }
    }
  }
}
