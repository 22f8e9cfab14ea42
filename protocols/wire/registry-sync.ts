// Anti-entropy for the key registry over /shardsig/registry-sync/1.0.0: the
// asker sends what it has; the answerer returns entries the asker lacks or
// holds with fewer receipts, at most REGISTRY_SYNC_BATCH at a time.
import { z } from 'zod'
import { RegistryEntrySchema } from '../new-user/registry-entry.js'
import { TombstoneSchema } from './delete-user.js'
import { hexString } from './hex.js'
import { KeyIdSchema } from './key-record.js'

export const SyncRequestSchema = z.strictObject({
  kind: z.literal('summary'),
  have: z.array(z.strictObject({ keyId: KeyIdSchema, recordDigest: hexString(32), receipts: z.int().min(0) })).max(100_000),
  /** Deleted keys the asker knows, with how many erasure receipts it holds for each. */
  tombstones: z.array(z.strictObject({ keyId: KeyIdSchema, receipts: z.int().min(0) })).max(100_000).optional()
})
export type SyncRequest = z.infer<typeof SyncRequestSchema>

export const SyncResponseSchema = z.strictObject({
  kind: z.literal('entries'),
  entries: z.array(RegistryEntrySchema),
  /** Tombstones the asker lacks or holds with fewer erasure receipts. */
  tombstones: z.array(TombstoneSchema).optional(),
  /** More entries are waiting: ask again with the updated summary. */
  more: z.boolean()
})
export type SyncResponse = z.infer<typeof SyncResponseSchema>

export const RegistryGossipSchema = z.discriminatedUnion('kind', [
  z.strictObject({ v: z.literal(1), kind: z.literal('key'), entry: RegistryEntrySchema }),
  z.strictObject({ v: z.literal(1), kind: z.literal('tombstone'), tombstone: TombstoneSchema })
])
export type RegistryGossip = z.infer<typeof RegistryGossipSchema>
