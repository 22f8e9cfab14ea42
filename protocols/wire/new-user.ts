// Messages of the new_user flow (docs/protocols/new_user.md): the bundle a
// client posts to a committee leader, the relay to members, the verification
// game on the committee topic and the members' signed receipts.
import { z } from 'zod'
import { PROTOCOL_VERSION } from '../constants.js'
import { hexString, hexUpTo } from './hex.js'
import { DkgBundleSchema } from './dkg.js'
import { KeyIdSchema, KeyRecordSchema } from './key-record.js'

export const NEW_USER_KIND = 'new_user'
export const RECEIPT_KIND = 'receipt'

export const SealedShareSchema = z.strictObject({
  member: z.int().min(1).max(64),
  peerId: z.string().min(1).max(128),
  /** HPKE encapsulated key (X25519: 32 bytes). */
  enc: hexString(32),
  /** HPKE ciphertext of the 32-byte scalar (+16-byte tag). */
  ciphertext: hexUpTo(128)
})

/** POST /new_user body: one committee's part of a freshly dealt key, owner-signed. */
export const NewUserBundleSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  record: KeyRecordSchema,
  committee: z.int().min(1).max(64),
  shares: z.array(SealedShareSchema).min(1).max(64),
  signature: hexString(64)
})
export type NewUserBundle = z.infer<typeof NewUserBundleSchema>

/** What POST /new_user and a CL's delivery carry: a client-dealt bundle or a DKG bundle (protocols/wire/dkg.ts). */
export const AnyNewUserBundleSchema = z.union([NewUserBundleSchema, DkgBundleSchema])
export type AnyNewUserBundle = z.infer<typeof AnyNewUserBundleSchema>

export const ReceiptSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  keyId: KeyIdSchema,
  committee: z.int().min(1),
  member: z.int().min(1),
  peerId: z.string().min(1).max(128),
  /** SHA-256 of the canonical key record the member verified its share against. */
  recordDigest: hexString(32),
  /** Ed25519 signature by the member's libp2p key (its peer id) over "shardsig/v1/receipt\n" + JCS. */
  signature: hexString(64)
})
export type Receipt = z.infer<typeof ReceiptSchema>

/** CL → member over /shardsig/new-user/1.0.0. */
export const DeliverRequestSchema = z.strictObject({ kind: z.literal('deliver'), bundle: AnyNewUserBundleSchema })
/** Member → CL answer on the same stream. */
export const DeliverResponseSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('receipt'), receipt: ReceiptSchema }),
  /** `dealer`: DKG, the dealer whose sub-share did not open or match (the client excludes it and tries again). */
  z.strictObject({ kind: z.literal('reject'), code: z.string().max(64), reason: z.string().max(1024), dealer: z.string().max(128).optional() })
])
export type DeliverResponse = z.infer<typeof DeliverResponseSchema>

/**
 * The verification game: each member publishes the record it received on its
 * committee topic. The owner-signed record itself travels with its digest, so
 * a mismatch is evidence (two records the owner signed), never a bare claim
 * that a lying member could make to frame an honest leader.
 */
export const GameMessageSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  kind: z.literal('game'),
  keyId: KeyIdSchema,
  committee: z.int().min(1),
  member: z.int().min(1),
  recordDigest: hexString(32),
  record: KeyRecordSchema
})
export type GameMessage = z.infer<typeof GameMessageSchema>

/** The CL's answer to POST /new_user. */
export const NewUserResponseSchema = z.strictObject({
  keyId: KeyIdSchema,
  committee: z.int(),
  receipts: z.array(ReceiptSchema),
  failures: z.array(z.strictObject({ member: z.int(), peerId: z.string(), code: z.string(), reason: z.string(), dealer: z.string().optional() }))
})
export type NewUserResponse = z.infer<typeof NewUserResponseSchema>
