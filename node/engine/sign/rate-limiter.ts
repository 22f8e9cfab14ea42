// A per-key sliding-window rate limit (the key policy's ratePerMinute), kept by
// every signer for itself. In memory: a restart forgets the window, which at
// worst lets one extra window's worth of signatures through. Only keys used
// within the window are kept: the others are swept out as the map grows.
import { RATE_WINDOW_MS } from '../../../protocols/constants.js'

/** The map is swept when it reaches this size, and then at twice what the sweep left. */
const MIN_SWEEP_AT = 1_024

export class RateLimiter {
  private readonly hits = new Map<string, number[]>()
  private sweepAt = MIN_SWEEP_AT

  constructor (private readonly windowMs = RATE_WINDOW_MS) {}

  /** Counts one use of `key` at `nowMs` if under `limit`; false when the limit is reached. */
  tryTake (key: string, limit: number, nowMs: number): boolean {
    const recent = (this.hits.get(key) ?? []).filter(t => nowMs - t < this.windowMs)
    if (recent.length >= limit) {
      this.hits.set(key, recent)
      return false
    }
    recent.push(nowMs)
    this.hits.set(key, recent)
    if (this.hits.size >= this.sweepAt) this.sweep(nowMs)
    return true
  }

  /** Whether `tryTake` would count a use of `key` now (nothing is counted). */
  available (key: string, limit: number, nowMs: number): boolean {
    return (this.hits.get(key) ?? []).filter(t => nowMs - t < this.windowMs).length < limit
  }

  /** Keys with a use within the window (at the last sweep, or since). */
  get keys (): number {
    return this.hits.size
  }

  /** Drops keys with no use within the window; amortised O(1) a call, as the threshold doubles with what is left. */
  private sweep (nowMs: number): void {
    for (const [key, times] of this.hits) {
      // Uses are kept in time order: the last one says whether any is within the window.
      const last = times.at(-1)
      if (last === undefined || nowMs - last >= this.windowMs) this.hits.delete(key)
    }
    this.sweepAt = Math.max(MIN_SWEEP_AT, 2 * this.hits.size)
  }
}
