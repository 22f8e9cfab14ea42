// Who is live (docs/protocols/roles.md#liveness-what-each-node-does): a peer is live if a
// fresh heartbeat from it arrived within the liveness window and its last word was not a
// goodbye; a node always counts itself. Pure: what each peer last said, and when, is
// passed in (the liveness machine keeps it), and so is the time.
import { LIVENESS_WINDOW_MS } from '../constants.js'

export interface LastWord { readonly atMs: number, readonly goodbye: boolean }

export type LastWords = ReadonlyMap<string, LastWord>

/** `words` with the peer's latest fresh heartbeat (goodbye: false) or goodbye. */
export function hear (words: LastWords, peerId: string, atMs: number, goodbye: boolean): LastWords {
  return new Map(words).set(peerId, { atMs, goodbye })
}

export function isLive (words: LastWords, selfPeerId: string, peerId: string, nowMs: number, windowMs = LIVENESS_WINDOW_MS): boolean {
  if (peerId === selfPeerId) return true
  const last = words.get(peerId)
  return last !== undefined && !last.goodbye && nowMs - last.atMs <= windowMs
}

/** Milliseconds since the peer's last heartbeat or goodbye, or null if never heard. */
export function lastHeardAgoMs (words: LastWords, selfPeerId: string, peerId: string, nowMs: number): number | null {
  if (peerId === selfPeerId) return 0
  const last = words.get(peerId)
  return last === undefined ? null : Math.max(0, nowMs - last.atMs)
}

/** The live set among `peerIds`, always including ourselves. */
export function liveSetOf (words: LastWords, selfPeerId: string, peerIds: Iterable<string>, nowMs: number, windowMs = LIVENESS_WINDOW_MS): Set<string> {
  const live = new Set<string>([selfPeerId])
  for (const p of peerIds) if (isLive(words, selfPeerId, p, nowMs, windowMs)) live.add(p)
  return live
}
