// One token bucket per key (a client address, an owner key, a peer id), in at
// most `maxKeys` entries: a new key beyond that evicts the least recently used
// one, so a sender with many addresses or keys cannot grow the memory behind
// it. An evicted key starts again with a full bucket when it comes back; that
// is the price of the bound (with the cap well above the honest senders a node
// sees, only a sender cycling through more keys than the cap gains from it).
// No clock and no I/O: the caller passes the time in.
import { checkRate, fullBucket, take, type Bucket, type BucketRate } from './token-bucket.js'

export type KeyedTake = { ok: true } | { ok: false, retryAfterMs: number }

export class KeyedBuckets {
  /** Map iteration order is insertion order: re-inserting on every use keeps the least recently used first. */
  private readonly buckets = new Map<string, Bucket>()

  constructor (readonly rate: BucketRate, readonly maxKeys: number) {
    checkRate(rate)
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) throw new RangeError(`maxKeys must be an integer ≥ 1, got ${maxKeys}`)
  }

  /** Takes one token (or `cost`) from `key`'s bucket at `nowMs`. */
  take (key: string, nowMs: number, cost = 1): KeyedTake {
    const held = this.buckets.get(key)
    if (held === undefined) {
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next()
        if (oldest.done !== true) this.buckets.delete(oldest.value)
      }
    } else {
      this.buckets.delete(key)
    }
    const result = take(held ?? fullBucket(this.rate, nowMs), this.rate, nowMs, cost)
    this.buckets.set(key, result.bucket)
    return result.ok ? { ok: true } : { ok: false, retryAfterMs: result.retryAfterMs }
  }

  /** Keys held now (at most maxKeys). */
  get size (): number {
    return this.buckets.size
  }

  has (key: string): boolean {
    return this.buckets.has(key)
  }
}
