// Anti-entropy for the key registry over /shardsig/registry-sync/1.0.0
// (docs/protocols/new_user.md#anti-entropy): the asker sends its digest-tree
// root (`digests`); an answerer whose root differs returns its bucket digests;
// the asker then sends what it has in the buckets that differ (`summary` with
// `buckets`), and the answerer returns entries the asker lacks or holds with
// fewer receipts, at most REGISTRY_SYNC_BATCH_BYTES at a time. A `summary`
// without `buckets` covers every key (what builds before the digest tree send).
import { z } from 'zod'
import { RegistryEntrySchema } from '../new-user/registry-entry.js'
import { REGISTRY_BUCKETS } from '../registry/digest-tree.js'
import { TombstoneSchema } from './delete-user.js'
import { hexString } from './hex.js'
import { KeyIdSchema } from './key-record.js'

/** Keys one summary may list (the schema's bound; a full summary of older nodes passes the 4 MiB message limit well before). */
export const MAX_SUMMARY_KEYS = 100_000
/** Keys a bucket summary lists at most: ~140 bytes each, so ~1.4 MB, a third of the 4 MiB message limit. */
export const SUMMARY_CHUNK_KEYS = 10_000

export const SummaryRequestSchema = z.strictObject({
  kind: z.literal('summary'),
  have: z.array(z.strictObject({ keyId: KeyIdSchema, recordDigest: hexString(32), receipts: z.int().min(0) })).max(MAX_SUMMARY_KEYS),
  /** Deleted keys the asker knows, with how many erasure receipts it holds for each. */
  tombstones: z.array(z.strictObject({ keyId: KeyIdSchema, receipts: z.int().min(0) })).max(MAX_SUMMARY_KEYS).optional(),
  /** Only keys in these buckets (bucketOf): `have` and `tombstones` list the asker's keys in them, and the answer holds no other. */
  buckets: z.array(z.int().min(0).max(REGISTRY_BUCKETS - 1)).min(1).max(REGISTRY_BUCKETS).optional()
})

export const DigestsRequestSchema = z.strictObject({
  kind: z.literal('digests'),
  /** The asker's digest-tree root. */
  root: hexString(32)
})

export const SyncRequestSchema = z.discriminatedUnion('kind', [SummaryRequestSchema, DigestsRequestSchema])
export type SyncRequest = z.infer<typeof SyncRequestSchema>

export const EntriesResponseSchema = z.strictObject({
  kind: z.literal('entries'),
  entries: z.array(RegistryEntrySchema),
  /** Tombstones the asker lacks or holds with fewer erasure receipts. */
  tombstones: z.array(TombstoneSchema).optional(),
  /** More entries are waiting: ask again with the updated summary. */
  more: z.boolean()
})

export const DigestsResponseSchema = z.strictObject({
  kind: z.literal('digests'),
  root: hexString(32),
  /** Every bucket's digest, in bucket order; absent when the roots are equal. */
  buckets: z.array(hexString(32)).length(REGISTRY_BUCKETS).optional()
})

export const SyncResponseSchema = z.discriminatedUnion('kind', [EntriesResponseSchema, DigestsResponseSchema])
export type SyncResponse = z.infer<typeof SyncResponseSchema>
export type EntriesResponse = z.infer<typeof EntriesResponseSchema>

export const RegistryGossipSchema = z.discriminatedUnion('kind', [
  z.strictObject({ v: z.literal(1), kind: z.literal('key'), entry: RegistryEntrySchema }),
  z.strictObject({ v: z.literal(1), kind: z.literal('tombstone'), tombstone: TombstoneSchema })
])
export type RegistryGossip = z.infer<typeof RegistryGossipSchema>
