// The body of GET /status and of each `status` event of GET /status/stream:
// one node's view of the network for the status page (docs/protocols/http.md#get-status).
// For OpenAPI: StatusSchema is the 200 body of both routes (the stream sends it as SSE `data`).
import { z } from 'zod'
import { BlameRecordSchema, HealthReasonSchema, HealthStatusSchema, RoleNameSchema } from './http.js'
import { KeyIdSchema, KeySchemeSchema } from './key-record.js'
import { PartyMemberSchema, RequestIdSchema } from './sign.js'

/** A node named both ways: the genesis nodeId for people, the peer id for the protocol. */
export const NodeRefSchema = z.strictObject({ nodeId: z.string(), peerId: z.string() })
export type NodeRef = z.infer<typeof NodeRefSchema>

/** A sign request this node finished as its communication manager. */
export const RecentSignRequestSchema = z.strictObject({
  requestId: RequestIdSchema,
  keyId: KeyIdSchema,
  scheme: KeySchemeSchema,
  status: z.enum(['completed', 'failed']),
  /** Sessions tried (1 when the first party signed). */
  attempts: z.int().min(0),
  /** From this CM taking the request to its outcome, by this node's clock. */
  latencyMs: z.int().min(0),
  /** Unix time in ms. */
  finishedAt: z.int(),
  /** Who signed; empty when it failed. */
  signers: z.array(PartyMemberSchema),
  /** Why it failed, shortened. */
  reason: z.string().optional()
})
export type RecentSignRequest = z.infer<typeof RecentSignRequestSchema>

export const StatusNodeSchema = z.strictObject({
  nodeId: z.string(),
  peerId: z.string(),
  committee: z.int(),
  /** Its HTTP URL from the genesis (its own status page is there at `/`). */
  http: z.string(),
  /** The node answering. */
  self: z.boolean(),
  /** A heartbeat arrived within the liveness window (the answering node is always live). */
  live: z.boolean(),
  /** The answering node holds a libp2p connection to it (true for itself). */
  connected: z.boolean(),
  /** Null when never heard since the answering node started. */
  lastHeartbeatAgoMs: z.int().min(0).nullable(),
  roles: z.array(RoleNameSchema)
})
export type StatusNode = z.infer<typeof StatusNodeSchema>

export const StatusSchema = z.strictObject({
  /** Unix time in ms when the snapshot was taken. */
  at: z.int(),
  network: z.string(),
  epoch: z.int(),
  params: z.strictObject({ committees: z.int(), tc: z.int(), tm: z.int(), managers: z.int() }),
  self: z.strictObject({ nodeId: z.string(), peerId: z.string(), committee: z.int(), uptimeMs: z.int().min(0), keys: z.int().min(0) }),
  /** This node's own health, as GET /health says it. */
  health: z.strictObject({ status: HealthStatusSchema, reasons: z.array(HealthReasonSchema) }),
  /** Every genesis node, in genesis order. */
  nodes: z.array(StatusNodeSchema),
  committees: z.array(z.strictObject({ committee: z.int(), leader: NodeRefSchema.nullable(), backup: NodeRefSchema.nullable() })),
  managers: z.array(NodeRefSchema),
  /** Requests this node coordinated as a manager, newest first (a bounded in-memory list: empty after a restart). */
  recentSignRequests: z.array(RecentSignRequestSchema),
  /** Blame this node recorded, newest first (as in /health). */
  blame: z.array(BlameRecordSchema)
})
export type Status = z.infer<typeof StatusSchema>
