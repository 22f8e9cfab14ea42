// Response bodies of the discovery endpoints every node serves. The node
// builds them and clients parse them with the same schemas.
import { z } from 'zod'
import { BlameEvidenceSchema } from './blame-evidence.js'
import { KeyIdSchema } from './key-record.js'

export const RoleNameSchema = z.enum(['leader', 'backup', 'manager'])
export type RoleName = z.infer<typeof RoleNameSchema>

export const EndpointSchema = z.strictObject({ peerId: z.string(), http: z.string() })
export type Endpoint = z.infer<typeof EndpointSchema>

export const WhoClSchema = z.strictObject({
  epoch: z.int(),
  committees: z.array(z.strictObject({
    committee: z.int(),
    leader: EndpointSchema.nullable(),
    backup: EndpointSchema.nullable()
  }))
})
export type WhoCl = z.infer<typeof WhoClSchema>

export const WhoCmSchema = z.strictObject({
  epoch: z.int(),
  managers: z.array(EndpointSchema)
})
export type WhoCm = z.infer<typeof WhoCmSchema>

export const BlameRecordSchema = z.strictObject({
  at: z.int(),
  culprit: z.string(),
  reason: z.string(),
  flow: z.enum(['new_user', 'sign', 'reshare']),
  keyId: z.string().optional(),
  committee: z.int().optional(),
  detail: z.string(),
  /** What shows others the blame is true, or why nothing can (docs/protocols/sign.md#blame-evidence); absent in older records. */
  evidence: BlameEvidenceSchema.optional()
})
export type BlameRecord = z.infer<typeof BlameRecordSchema>

/** GET /blame: the node's recent blame records, newest first, with their evidence. */
export const BlameListSchema = z.strictObject({ blame: z.array(BlameRecordSchema) })
export type BlameList = z.infer<typeof BlameListSchema>

/** POST /blame/verify: what a blame record's evidence shows to this node (protocols/sign/blame-evidence.ts). */
export const EvidenceVerdictSchema = z.strictObject({
  verdict: z.enum(['proven', 'not-proven', 'unprovable']),
  detail: z.string()
})

/**
 * `ok`: nothing below is wrong. `degraded`: at least one reason holds. `starting`: only `peers` holds,
 * and the node started less than ROLES_WARMUP_MS ago, so its peers' heartbeats may still be on the way.
 * /health answers 200 for `ok` and 503 otherwise, with this body either way.
 */
export const HealthStatusSchema = z.enum(['ok', 'starting', 'degraded'])
export type HealthStatus = z.infer<typeof HealthStatusSchema>
export const HEALTH_REASON_CODES = ['peers', 'store', 'shares'] as const
export type HealthReasonCode = typeof HEALTH_REASON_CODES[number]

/**
 * Why a node is not `ok`: `code` for machines, `detail` one sentence for people; the other
 * fields are the figures the sentence quotes. Never a secret: shares are named by key id.
 */
export const HealthReasonSchema = z.discriminatedUnion('code', [
  z.strictObject({
    /** Too few live peers to serve its committee (fewer than `tm` live in it) or to sign (fewer than `tc` committees with `tm` live). */
    code: z.literal('peers'),
    detail: z.string(),
    committee: z.int(),
    /** Live members of this node's committee, itself included. */
    committeeLive: z.int().min(0),
    /** Committees with at least `tm` live members. */
    committeesReady: z.int().min(0),
    tm: z.int(),
    tc: z.int()
  }),
  z.strictObject({
    /** Operations on the node's store failed within STORE_FAILURE_WINDOW_MS (its periodic probe read included). */
    code: z.literal('store'),
    detail: z.string(),
    /** Failed operations within the window. */
    failures: z.int().min(1),
    /** Unix time in ms of the last failure. */
    lastFailureAt: z.int()
  }),
  z.strictObject({
    /** Share records that do not authenticate (found by the share audit or by a signer reading one). */
    code: z.literal('shares'),
    detail: z.string(),
    /** Keys with at least one such share record. */
    keys: z.int().min(1),
    /** Their ids, sorted, at most MAX_HEALTH_KEY_IDS. */
    keyIds: z.array(KeyIdSchema)
  })
])
export type HealthReason = z.infer<typeof HealthReasonSchema>

export const HealthSchema = z.strictObject({
  status: HealthStatusSchema,
  /** Empty when `ok`. Optional so that nodes from before issue 17 (always `ok`, no reasons) still parse. */
  reasons: z.array(HealthReasonSchema).optional(),
  nodeId: z.string(),
  peerId: z.string(),
  committee: z.int(),
  epoch: z.int(),
  uptimeMs: z.int(),
  peers: z.strictObject({ live: z.int(), connected: z.int(), total: z.int() }),
  roles: z.array(RoleNameSchema),
  /** Keys in this node's registry. */
  keys: z.int(),
  /** Most recent blame records this node made, newest first. */
  blame: z.array(BlameRecordSchema),
  /**
   * Which library does FROST's group operations (protocols/frost/group/select.ts): `name` is
   * `native`, `noble` or `mixed`; per scheme e.g. `sodium-native`, `secp256k1-native`, `noble`.
   * Optional so that nodes from before issue #8 still parse.
   */
  cryptoBackend: z.strictObject({ name: z.string(), ed25519: z.string(), secp256k1: z.string() }).optional()
})
export type Health = z.infer<typeof HealthSchema>

/** GET /health of a joining node (node/join.ts): no epoch names it yet; an update that adds it may be pending. */
export const JoiningHealthSchema = z.strictObject({
  status: z.literal('joining'),
  nodeId: z.string(),
  peerId: z.string(),
  /** The network's active epoch, which does not name this node. */
  epoch: z.int(),
  /** The pending update: its epoch, whether it adds this node, keys reshared to it so far. */
  pending: z.strictObject({ epoch: z.int(), adds: z.boolean(), keys: z.strictObject({ total: z.int(), reshared: z.int() }) }).nullable()
})
export type JoiningHealth = z.infer<typeof JoiningHealthSchema>

export const PeersSchema = z.strictObject({
  self: z.strictObject({ nodeId: z.string(), peerId: z.string() }),
  peers: z.array(z.strictObject({
    nodeId: z.string(),
    peerId: z.string(),
    committee: z.int(),
    http: z.string(),
    connected: z.boolean(),
    live: z.boolean(),
    lastHeartbeatAgoMs: z.int().nullable()
  }))
})
export type Peers = z.infer<typeof PeersSchema>

/** RFC 9457 problem details, as every error is answered. */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string().optional()
}).loose()
export type Problem = z.infer<typeof ProblemSchema>
