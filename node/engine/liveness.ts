// Who is live: a peer is live if a heartbeat from it arrived within
// LIVENESS_WINDOW_MS and its last word was not a goodbye (a graceful stop says
// so at once, docs/protocols/roles.md). Time is passed in, so tests need no real clock.
import { LIVENESS_WINDOW_MS } from '../../protocols/constants.js'

interface LastWord { atMs: number, goodbye: boolean }

export class LivenessTracker {
  private readonly last = new Map<string, LastWord>()

  constructor (private readonly selfPeerId: string, private readonly windowMs = LIVENESS_WINDOW_MS) {}

  heard (peerId: string, atMs: number): void {
    this.last.set(peerId, { atMs, goodbye: false })
  }

  /** The peer said it is stopping: down from now until its next heartbeat (a restart). */
  saidGoodbye (peerId: string, atMs: number): void {
    this.last.set(peerId, { atMs, goodbye: true })
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
