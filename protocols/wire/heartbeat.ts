// The heartbeat gossiped every HEARTBEAT_INTERVAL_MS on TOPIC_HEARTBEAT, and the
// goodbye a node gossips there once when it stops gracefully (docs/protocols/roles.md).
// The sender is authenticated by gossipsub's strict signing (message.from); the
// body only has to name the same node as the genesis does for that peer id.
import { z } from 'zod'
import { PROTOCOL_VERSION } from '../constants.js'
import { gossipDecoder, type Decoded } from './tolerant.js'

export const HeartbeatSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  /** `goodbye`: the sender is stopping; count it down now, not a liveness window later. */
  kind: z.enum(['heartbeat', 'goodbye']),
  nodeId: z.string().min(1).max(64),
  epoch: z.int().min(0),
  /** The sender's run and a counter within it, packed (packSeq); older builds count from 0 in run 0. */
  seq: z.int().min(0).max(Number.MAX_SAFE_INTEGER)
})

export type Heartbeat = z.infer<typeof HeartbeatSchema>

/**
 * `seq` packs a run nonce and a counter: seq = run × HEARTBEAT_COUNTER_SPAN + counter.
 * A node draws its run at random from 1 … HEARTBEAT_RUNS − 1 when it starts and
 * counts from 0 within it, so a receiver can tell a relayed old heartbeat or
 * goodbye (an older counter of the run it follows, or a run that ended) from a
 * new one without comparing clocks (protocols/roles/freshness.ts). Run 0 is what
 * builds before this rule send (a plain counter from 0 at every start): no
 * freshness is checked for it. 2^21 runs × 2^31 counts stay under 2^53, so
 * every seq is an exact JSON number; a counter at one beat a second lasts 68 years.
 */
export const HEARTBEAT_RUNS = 2 ** 21
export const HEARTBEAT_COUNTER_SPAN = 2 ** 31

export function packSeq (run: number, counter: number): number {
  if (!Number.isInteger(run) || run < 0 || run >= HEARTBEAT_RUNS) throw new RangeError(`heartbeat run ${run} is outside 0 … ${HEARTBEAT_RUNS - 1}`)
  if (!Number.isInteger(counter) || counter < 0 || counter >= HEARTBEAT_COUNTER_SPAN) throw new RangeError(`heartbeat counter ${counter} is outside 0 … ${HEARTBEAT_COUNTER_SPAN - 1}`)
  return run * HEARTBEAT_COUNTER_SPAN + counter
}

export function unpackSeq (seq: number): { run: number, counter: number } {
  return { run: Math.floor(seq / HEARTBEAT_COUNTER_SPAN), counter: seq % HEARTBEAT_COUNTER_SPAN }
}

const encoder = new TextEncoder()

export function encodeHeartbeat (hb: Heartbeat): Uint8Array {
  return encoder.encode(JSON.stringify(hb))
}

/** Reads a heartbeat or goodbye as gossip is read (tolerant of a newer minor version's fields and kinds). */
export const decodeHeartbeat: (bytes: Uint8Array) => Decoded<Heartbeat> = gossipDecoder(HeartbeatSchema)
