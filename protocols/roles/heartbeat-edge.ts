// The heartbeat topic's edge (docs/protocols/roles.md#liveness-what-each-node-does): what a
// node does with a message on TOPIC_HEARTBEAT before anything counts it. Pure, so the node's
// gossipsub validator (node/p2p/heartbeat.ts) and the simulator's nodes judge alike.
import { MAX_GOSSIP_MESSAGE_BYTES } from '../constants.js'
import { decodeHeartbeat, type Heartbeat } from '../wire/heartbeat.js'

/** accept: count it; ignore: not ours to judge, no penalty; reject: junk, its sender is penalised. */
export type HeartbeatVerdict =
  | { verdict: 'accept', heartbeat: Heartbeat }
  | { verdict: 'ignore', why: 'unknown-kind' | 'other-epoch' }
  | { verdict: 'reject', why: 'oversized' | 'not-a-member' | 'malformed' | 'wrong-node-id' }

export interface HeartbeatEdge {
  /** Members of this node's epoch: peer id → node id. */
  members: ReadonlyMap<string, string>
  epoch: number
}

/** Judges `bytes` that gossipsub's strict signing says `fromPeerId` published. */
export function judgeHeartbeat (edge: HeartbeatEdge, fromPeerId: string, bytes: Uint8Array): HeartbeatVerdict {
  if (bytes.byteLength > MAX_GOSSIP_MESSAGE_BYTES) return { verdict: 'reject', why: 'oversized' }
  const nodeId = edge.members.get(fromPeerId)
  if (nodeId === undefined) return { verdict: 'reject', why: 'not-a-member' }
  const decoded = decodeHeartbeat(bytes)
  // A kind of a newer minor version: not ours to judge (docs/protocols/versioning.md).
  if (decoded.kind === 'unknown-kind') return { verdict: 'ignore', why: 'unknown-kind' }
  if (decoded.kind === 'invalid') return { verdict: 'reject', why: 'malformed' }
  if (decoded.value.nodeId !== nodeId) return { verdict: 'reject', why: 'wrong-node-id' }
  // A heartbeat from another epoch is not an attack, just not ours to count.
  if (decoded.value.epoch !== edge.epoch) return { verdict: 'ignore', why: 'other-epoch' }
  return { verdict: 'accept', heartbeat: decoded.value }
}
