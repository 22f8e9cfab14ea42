// A per-key sliding-window rate limit (the key policy's ratePerMinute), kept by
// every signer for itself. In memory: a restart forgets the window, which at
// worst lets one extra window's worth of signatures through.
import { RATE_WINDOW_MS } from '../../../protocols/constants.js'

export class RateLimiter {
  private readonly hits = new Map<string, number[]>()

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
    return true
  }
}
