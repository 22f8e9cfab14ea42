// Who is live, as the rest of the node asks it (NetworkView, metrics): a read view over
// the last words the liveness machine keeps (protocols/roles/liveness-machine.ts), which
// node/p2p/heartbeat.ts hands over after every step. The rules are protocols/roles/live-set.ts.
import { LIVENESS_WINDOW_MS } from '../../protocols/constants.js'
import { hear, isLive, lastHeardAgoMs, liveSetOf, type LastWords } from '../../protocols/roles/live-set.js'

export class LivenessTracker {
  #words: LastWords = new Map()

  constructor (private readonly selfPeerId: string, private readonly windowMs = LIVENESS_WINDOW_MS) {}

  /** The liveness machine's last words, after a step. */
  follow (words: LastWords): void {
    this.#words = words
  }

  heard (peerId: string, atMs: number): void {
    this.#words = hear(this.#words, peerId, atMs, false)
  }

  /** The peer said it is stopping: down from now until its next heartbeat (a restart). */
  saidGoodbye (peerId: string, atMs: number): void {
    this.#words = hear(this.#words, peerId, atMs, true)
  }

  /** Milliseconds since the peer's last heartbeat or goodbye, or null if never heard. */
  lastHeardAgoMs (peerId: string, nowMs: number): number | null {
    return lastHeardAgoMs(this.#words, this.selfPeerId, peerId, nowMs)
  }

  isLive (peerId: string, nowMs: number): boolean {
    return isLive(this.#words, this.selfPeerId, peerId, nowMs, this.windowMs)
  }

  /** The live set, always including ourselves. */
  liveSet (peerIds: Iterable<string>, nowMs: number): Set<string> {
    return liveSetOf(this.#words, this.selfPeerId, peerIds, nowMs, this.windowMs)
  }
}
