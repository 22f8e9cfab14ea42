// Messages of delete_user (docs/protocols/delete_user.md): the owner-signed
// request a client posts to any node, each holder's signed erasure receipt,
// and the tombstone every node keeps instead of the key (so anti-entropy
// never brings the key back).
import { z } from 'zod'
import { PROTOCOL_VERSION } from '../constants.js'
import { hexString } from './hex.js'
import { KeyIdSchema, KeyRecordSchema } from './key-record.js'
import { RequestIdSchema } from './sign.js'

export const DELETE_USER_KIND = 'delete_user'
export const ERASURE_RECEIPT_KIND = 'erasure_receipt'

export const DeleteUserRequestSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  keyId: KeyIdSchema,
  /** Client-chosen; makes two deletes of one key distinct requests (only the first takes effect). */
  requestId: RequestIdSchema,
  /** Unix time in ms after which no node acts on the request (a replay later is refused). */
  expiresAt: z.int().min(0),
  /** Owner Ed25519 signature over "shardsig/v1/delete_user\n" + JCS(body without signature). */
  signature: hexString(64)
})
export type DeleteUserRequest = z.infer<typeof DeleteUserRequestSchema>

/** A holder's signed statement that it erased its share of the key for this delete. */
export const ErasureReceiptSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  keyId: KeyIdSchema,
  /** The epoch whose holder of the key sits at (committee, member): the key's epoch, or the one it was last reshared to. */
  epoch: z.int().min(0).max(2 ** 31),
  committee: z.int().min(1).max(64),
  member: z.int().min(1).max(64),
  peerId: z.string().min(1).max(128),
  /** deleteDigest() of the delete request it acted on. */
  deleteDigest: hexString(32),
  /** Ed25519 signature by the holder's libp2p key over "shardsig/v1/erasure_receipt\n" + JCS. */
  signature: hexString(64)
})
export type ErasureReceipt = z.infer<typeof ErasureReceiptSchema>

/** What replaces a deleted key everywhere: self-contained, so a node that never had the key can check it. */
export const TombstoneSchema = z.strictObject({
  record: KeyRecordSchema,
  request: DeleteUserRequestSchema,
  receipts: z.array(ErasureReceiptSchema).max(64 * 64)
})
export type Tombstone = z.infer<typeof TombstoneSchema>

export const HolderErasureSchema = z.strictObject({ epoch: z.int(), committee: z.int(), member: z.int(), peerId: z.string(), erased: z.boolean() })

/** POST /delete_user, and the body of the 410 a deleted key answers with. */
export const DeleteUserResultSchema = z.strictObject({
  keyId: KeyIdSchema,
  requestId: RequestIdSchema,
  /** Holders (of the key's latest epoch this node knows) whose signed erasure receipt this node has, out of all of them. */
  erased: z.int(),
  holders: z.array(HolderErasureSchema),
  receipts: z.array(ErasureReceiptSchema)
})
export type DeleteUserResult = z.infer<typeof DeleteUserResultSchema>
