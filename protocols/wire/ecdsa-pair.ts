// The DKLs23 pair setup on the wire, /shardsig/ecdsa-pair/1.0.0 (docs/protocols/ecdsa.md#pair-setup):
// the initiator's request carries its setup message (protocols/ecdsa/pair-setup.ts), the answer
// carries the responder's, or a refusal. Binary parts as canonical base64 (the base-OT messages,
// exact lengths) or hex (the zero-seed contribution); every object strict.
import { z } from 'zod'
import { PROTOCOL_VERSION } from '../constants.js'
import { BASE_OT_SENDER_MESSAGE_BYTES, baseOtReceiverMessageBytes } from '../ecdsa/base-ot.js'
import { KAPPA_BITS } from '../ecdsa/ot-params.js'
import type { PairSetupMessage } from '../ecdsa/pair-setup.js'
import { base64Bytes } from '../ecdsa/wire.js'
import { ZERO_SEED_BYTES } from '../ecdsa/zero-shares.js'
import { hexString } from './hex.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'

export const ECDSA_PAIR_SETUP_KIND = 'ecdsa_pair_setup'
/** Bytes of a base-OT receiver message of one direction: KAPPA_BITS OTs with their proofs. */
export const PAIR_BASE_OT_RECEIVER_BYTES = baseOtReceiverMessageBytes(KAPPA_BITS)
/** Longest context a pair setup names (`<network>/epoch-<n>`; a network name is at most 64 characters). */
export const MAX_PAIR_CONTEXT_CHARS = 128

export const PairSetupMessageSchema = z.strictObject({
  /** The sender's base-OT sender message, for the direction in which the sender is Bob. */
  baseOtSender: base64Bytes(BASE_OT_SENDER_MESSAGE_BYTES),
  /** The sender's base-OT receiver message, for the direction in which the sender is Alice. */
  baseOtReceiver: base64Bytes(PAIR_BASE_OT_RECEIVER_BYTES),
  zeroSeed: hexString(ZERO_SEED_BYTES)
})
export type PairSetupMessageWire = z.infer<typeof PairSetupMessageSchema>

export const EcdsaPairRequestSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  kind: z.literal(ECDSA_PAIR_SETUP_KIND),
  /** The membership the setup is for, `<network>/epoch-<epoch>`: the responder refuses any other than its own. */
  context: z.string().min(1).max(MAX_PAIR_CONTEXT_CHARS),
  message: PairSetupMessageSchema
})
export type EcdsaPairRequest = z.infer<typeof EcdsaPairRequestSchema>

/** Why a responder refused a setup. */
export const ECDSA_PAIR_REFUSALS = ['malformed', 'peer-rate-limited', 'not-a-member', 'wrong-context', 'invalid-message', 'internal'] as const
export type EcdsaPairRefusal = typeof ECDSA_PAIR_REFUSALS[number]

export const EcdsaPairResponseSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('accept'), message: PairSetupMessageSchema }),
  // A code of a newer version is kept as a string: a refusal is a refusal.
  z.strictObject({ kind: z.literal('reject'), code: z.string().max(64), reason: z.string().max(1024) })
])
export type EcdsaPairResponse = z.infer<typeof EcdsaPairResponseSchema>

const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'))

export function encodePairSetupMessage (m: PairSetupMessage): PairSetupMessageWire {
  return { baseOtSender: b64(m.baseOtSender), baseOtReceiver: b64(m.baseOtReceiver), zeroSeed: bytesToHex(m.zeroSeed) }
}

/** A checked wire message back to bytes (the schema checked every length; the base-OT decoders check the contents). */
export function decodePairSetupMessage (w: PairSetupMessageWire): PairSetupMessage {
  return { baseOtSender: unb64(w.baseOtSender), baseOtReceiver: unb64(w.baseOtReceiver), zeroSeed: hexToBytes(w.zeroSeed) }
}

/** The context both ends of a pair name: the network and its membership epoch. */
export const pairContextOf = (network: string, epoch: number): string => `${network}/epoch-${epoch}`
