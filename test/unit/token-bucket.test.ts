// The token bucket's arithmetic (protocols/limits/token-bucket.ts) and the
// keyed set of buckets with its size cap (protocols/limits/keyed-buckets.ts).
// Time is passed in; nothing here waits.
import { describe, expect, it } from 'vitest'
import { KeyedBuckets } from '../../protocols/limits/keyed-buckets.js'
import { checkRate, fullBucket, InvalidRateError, refill, retryAfterSeconds, take, type Bucket } from '../../protocols/limits/token-bucket.js'

const rate = { ratePerS: 2, burst: 5 }

/** Takes `n` tokens one by one at `nowMs`; how many were given. */
function drain (bucket: Bucket, n: number, nowMs: number): { bucket: Bucket, given: number } {
  let given = 0
  for (let i = 0; i < n; i++) {
    const r = take(bucket, rate, nowMs)
    bucket = r.bucket
    if (r.ok) given++
  }
  return { bucket, given }
}

describe('token bucket', () => {
  it('starts full: a burst of `burst` requests at one instant passes, the next is refused', () => {
    const { bucket, given } = drain(fullBucket(rate, 1_000), 5, 1_000)
    expect(given).toBe(5)
    expect(bucket.tokens).toBe(0)
    expect(take(bucket, rate, 1_000).ok).toBe(false)
  })

  it('refills at ratePerS, never above burst', () => {
    const empty: Bucket = { tokens: 0, atMs: 0 }
    expect(refill(empty, rate, 250).tokens).toBeCloseTo(0.5)
    expect(refill(empty, rate, 1_000).tokens).toBe(2)
    expect(refill(empty, rate, 2_000).tokens).toBe(4)
    expect(refill(empty, rate, 60_000).tokens).toBe(5)
    // Refilled pieces add up to the same as one long refill.
    expect(refill(refill(empty, rate, 300), rate, 1_000).tokens).toBeCloseTo(2)
  })

  it('a clock that goes back refills nothing and takes nothing away', () => {
    const b: Bucket = { tokens: 1.5, atMs: 10_000 }
    expect(refill(b, rate, 9_000)).toEqual(b)
    expect(take(b, rate, 9_000)).toEqual({ ok: true, bucket: { tokens: 0.5, atMs: 10_000 } })
  })

  it('Retry-After is the deficit over the rate: exactly when the next token is there', () => {
    const empty: Bucket = { tokens: 0, atMs: 0 }
    const refused = take(empty, rate, 0)
    expect(refused).toMatchObject({ ok: false, retryAfterMs: 500 })
    // Half a token in, half a token to go: 250 ms at 2 per second.
    expect(take(empty, rate, 250)).toMatchObject({ ok: false, retryAfterMs: 250 })
    // At the promised time it passes, a millisecond earlier it does not.
    expect(take(empty, rate, 499).ok).toBe(false)
    expect(take(empty, rate, 500).ok).toBe(true)
    // A slow rate with a deficit that does not divide evenly: 1 token at 0.3/s is 3,333.3 ms, rounded up.
    const slow = { ratePerS: 0.3, burst: 1 }
    const r = take({ tokens: 0, atMs: 0 }, slow, 0)
    expect(r).toMatchObject({ ok: false, retryAfterMs: 3_334 })
    expect(take({ tokens: 0, atMs: 0 }, slow, 3_334).ok).toBe(true)
  })

  it('Retry-After seconds: rounded up, at least 1', () => {
    expect(retryAfterSeconds(0)).toBe(1)
    expect(retryAfterSeconds(1)).toBe(1)
    expect(retryAfterSeconds(1_000)).toBe(1)
    expect(retryAfterSeconds(1_001)).toBe(2)
    expect(retryAfterSeconds(3_334)).toBe(4)
  })

  it('a cost above the burst could never pass and is refused as a bad rate; bad rates are refused', () => {
    expect(() => take(fullBucket(rate, 0), rate, 0, 6)).toThrow(InvalidRateError)
    expect(() => { checkRate({ ratePerS: 0, burst: 1 }) }).toThrow(InvalidRateError)
    expect(() => { checkRate({ ratePerS: Number.NaN, burst: 1 }) }).toThrow(InvalidRateError)
    expect(() => { checkRate({ ratePerS: 1, burst: 0.5 }) }).toThrow(InvalidRateError)
    expect(() => { checkRate({ ratePerS: 1, burst: 1 }) }).not.toThrow()
  })

  it('a steady sender at the rate is never refused after its burst; one above it is, in proportion', () => {
    let atRate = fullBucket(rate, 0)
    let above = fullBucket(rate, 0)
    let refusedAtRate = 0
    let refusedAbove = 0
    for (let t = 0; t < 60_000; t += 500) {
      const a = take(atRate, rate, t)
      atRate = a.bucket
      if (!a.ok) refusedAtRate++
      for (const dt of [0, 250]) {
        const b = take(above, rate, t + dt)
        above = b.bucket
        if (!b.ok) refusedAbove++
      }
    }
    expect(refusedAtRate).toBe(0)
    // 240 asked at 4/s; by the last one (59.75 s) 119.5 tokens refilled: 119 whole ones plus the burst of 5 given.
    expect(240 - refusedAbove).toBe(124)
  })
})

describe('keyed buckets', () => {
  it('keeps one bucket per key: one key drained leaves the others full', () => {
    const buckets = new KeyedBuckets({ ratePerS: 1, burst: 2 }, 10)
    expect(buckets.take('a', 0).ok).toBe(true)
    expect(buckets.take('a', 0).ok).toBe(true)
    expect(buckets.take('a', 0)).toEqual({ ok: false, retryAfterMs: 1_000 })
    expect(buckets.take('b', 0).ok).toBe(true)
    expect(buckets.take('a', 1_000).ok).toBe(true)
  })

  it('holds at most maxKeys buckets, evicting the least recently used', () => {
    const buckets = new KeyedBuckets({ ratePerS: 1, burst: 1 }, 3)
    for (const k of ['a', 'b', 'c']) buckets.take(k, 0)
    // a used again: b is now the least recently used.
    buckets.take('a', 0)
    buckets.take('d', 0)
    expect(buckets.size).toBe(3)
    expect(buckets.has('b')).toBe(false)
    expect(['a', 'c', 'd'].every(k => buckets.has(k))).toBe(true)
    // Many more keys than the cap: the size stays at the cap.
    for (let i = 0; i < 10_000; i++) buckets.take(`k${i}`, 0)
    expect(buckets.size).toBe(3)
  })

  it('an evicted key comes back with a full bucket (the price of the bound), a kept one does not', () => {
    const buckets = new KeyedBuckets({ ratePerS: 1, burst: 1 }, 2)
    expect(buckets.take('a', 0).ok).toBe(true)
    expect(buckets.take('a', 0).ok).toBe(false)
    buckets.take('b', 0)
    expect(buckets.take('a', 0).ok).toBe(false)
    buckets.take('c', 0)
    buckets.take('d', 0)
    expect(buckets.has('a')).toBe(false)
    expect(buckets.take('a', 0).ok).toBe(true)
  })

  it('refuses a cap below 1 and a bad rate', () => {
    expect(() => new KeyedBuckets({ ratePerS: 1, burst: 1 }, 0)).toThrow(RangeError)
    expect(() => new KeyedBuckets({ ratePerS: -1, burst: 1 }, 1)).toThrow(InvalidRateError)
  })
})
