// Response bodies of the discovery endpoints every node serves. The node
// builds them and clients parse them with the same schemas.
import { z } from 'zod'

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
  detail: z.string()
})
export type BlameRecord = z.infer<typeof BlameRecordSchema>

export const HealthSchema = z.strictObject({
  status: z.literal('ok'),
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
