// Who is live: a peer is live if a heartbeat from it arrived within
// LIVENESS_WINDOW_MS and its last word was not a goodbye (a graceful stop says
// so at once, docs/protocols/roles.md). Words are ordered by the sender's
// gossipsub sequence number when given: a heartbeat older than the goodbye it
// arrives after, or a goodbye older than a heartbeat already heard, is stale.
// Time is passed in, so tests need no real clock.
import { LIVENESS_WINDOW_MS } from '../../protocols/constants.js'

interface LastWord { atMs: number, goodbye: boolean, seqno?: bigint }

export class LivenessTracker {
  private readonly last = new Map<string, LastWord>()

  constructor (private readonly selfPeerId: string, private readonly windowMs = LIVENESS_WINDOW_MS) {}

  /**
   * A heartbeat. `seqno` is the message's gossipsub sequence number (signed by the sender,
   * counting up from its wall clock in ns when its process started, so a restart's are higher):
   * one not newer than the peer's goodbye is a late or replayed copy and does not bring it back.
   */
  heard (peerId: string, atMs: number, seqno?: bigint): void {
    const last = this.last.get(peerId)
    if (last?.goodbye === true && isStale(seqno, last)) return
    this.last.set(peerId, { atMs, goodbye: false, ...(seqno !== undefined ? { seqno } : {}) })
  }

  /**
   * The peer said it is stopping: down from now until its next heartbeat (a restart). A goodbye
   * not newer than a heartbeat already heard (a replay of an earlier stop) is ignored.
   */
  saidGoodbye (peerId: string, atMs: number, seqno?: bigint): void {
    const last = this.last.get(peerId)
    if (last !== undefined && isStale(seqno, last)) return
    this.last.set(peerId, { atMs, goodbye: true, ...(seqno !== undefined ? { seqno } : {}) })
  }

  /** Milliseconds since the peer's last heartbeat or goodbye, or null if never heard. */
  lastHeardAgoMs (peerId: string, nowMs: number): number | null {
    if (peerId === this.selfPeerId) return 0
    const last = this.last.get(peerId)
    return last === undefined ? null : Math.max(0, nowMs - last.atMs)
  }

  isLive (peerId: string, nowMs: number): boolean {
    if (peerId === this.selfPeerId) return true
    const last = this.last.get(peerId)
    return last !== undefined && !last.goodbye && nowMs - last.atMs <= this.windowMs
  }

  /** The live set, always including ourselves. */
  liveSet (peerIds: Iterable<string>, nowMs: number): Set<string> {
    const live = new Set<string>([this.selfPeerId])
    for (const p of peerIds) if (this.isLive(p, nowMs)) live.add(p)
    return live
  }
}

/** Whether a message numbered `seqno` is not newer than `last` (unknown when either has no number). */
function isStale (seqno: bigint | undefined, last: LastWord): boolean {
  return seqno !== undefined && last.seqno !== undefined && seqno <= last.seqno
}
