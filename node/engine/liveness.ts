// Who is live: a peer is live if a heartbeat from it arrived within
// LIVENESS_WINDOW_MS. Time is passed in, so tests need no real clock.
import { LIVENESS_WINDOW_MS } from '../../protocols/constants.js'

export class LivenessTracker {
  private readonly lastHeardAt = new Map<string, number>()

  constructor (private readonly selfPeerId: string, private readonly windowMs = LIVENESS_WINDOW_MS) {}

  heard (peerId: string, atMs: number): void {
    this.lastHeardAt.set(peerId, atMs)
  }

  /** Milliseconds since the last heartbeat, or null if never heard. */
  lastHeardAgoMs (peerId: string, nowMs: number): number | null {
    if (peerId === this.selfPeerId) return 0
    const at = this.lastHeardAt.get(peerId)
    return at === undefined ? null : Math.max(0, nowMs - at)
  }

  isLive (peerId: string, nowMs: number): boolean {
    const ago = this.lastHeardAgoMs(peerId, nowMs)
    return ago !== null && ago <= this.windowMs
  }

  /** The live set, always including ourselves. */
  liveSet (peerIds: Iterable<string>, nowMs: number): Set<string> {
    const live = new Set<string>([this.selfPeerId])
    for (const p of peerIds) if (this.isLive(p, nowMs)) live.add(p)
    return live
  }
}
