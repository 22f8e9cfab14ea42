// The heartbeat gossiped every HEARTBEAT_INTERVAL_MS on TOPIC_HEARTBEAT, and the
// goodbye a node gossips there once when it stops gracefully (docs/protocols/roles.md).
// The sender is authenticated by gossipsub's strict signing (message.from); the
// body only has to name the same node as the genesis does for that peer id.
import { z } from 'zod'
import { PROTOCOL_VERSION } from '../constants.js'

export const HeartbeatSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  /** `goodbye`: the sender is stopping; count it down now, not a liveness window later. */
  kind: z.enum(['heartbeat', 'goodbye']),
  nodeId: z.string().min(1).max(64),
  epoch: z.int().min(0),
  /** Counts up from 0 at process start; a restart is visible as a drop. */
  seq: z.int().min(0)
})

export type Heartbeat = z.infer<typeof HeartbeatSchema>

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encodeHeartbeat (hb: Heartbeat): Uint8Array {
  return encoder.encode(JSON.stringify(hb))
}

/** Returns undefined for anything that is not a well-formed heartbeat. */
export function decodeHeartbeat (bytes: Uint8Array): Heartbeat | undefined {
  try {
    const parsed = HeartbeatSchema.safeParse(JSON.parse(decoder.decode(bytes)))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}
