// A signer's and a CM's per-key sliding window (node/engine/sign/rate-limiter.ts):
// the limit within the window, and only keys used within it kept in memory.
import { describe, expect, it } from 'vitest'
import { RateLimiter } from '../../node/engine/sign/rate-limiter.js'

describe('RateLimiter', () => {
  it('refuses a key past its limit within the window and takes it again once the window moved on', () => {
    const rate = new RateLimiter(60_000)
    expect(rate.tryTake('k', 2, 0)).toBe(true)
    expect(rate.tryTake('k', 2, 1_000)).toBe(true)
    expect(rate.tryTake('k', 2, 2_000)).toBe(false)
    expect(rate.tryTake('k', 2, 60_000)).toBe(true)
  })

  it('forgets keys not used within the window as new keys come: one key a request for ever stays bounded', () => {
    const rate = new RateLimiter(60_000)
    // A key per signature (every owner deals one), 100 a second for ten minutes.
    for (let i = 0; i < 60_000; i++) rate.tryTake(`key-${i}`, 10, i * 10)
    // At most the last window's keys, and twice that before a sweep.
    expect(rate.keys).toBeLessThanOrEqual(2 * 6_000)
    expect(rate.keys).toBeGreaterThanOrEqual(6_000)
    expect(rate.tryTake('key-59999', 1, 600_000)).toBe(false)
  })
})
