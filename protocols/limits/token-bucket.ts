// A token bucket: at most `burst` tokens, refilled continuously at `ratePerS`;
// each request takes one, and a request that finds too few is refused with the
// time until enough have come back. Pure: the caller passes the time in (ms on
// any clock that does not go back; a clock that does refills nothing).

export interface BucketRate {
  /** Tokens added per second. */
  ratePerS: number
  /** Most tokens the bucket holds: requests that may arrive at once after a quiet spell. */
  burst: number
}

export interface Bucket {
  tokens: number
  /** When `tokens` was last brought up to date. */
  atMs: number
}

export type TakeResult =
  | { ok: true, bucket: Bucket }
  /** `retryAfterMs`: how long until the bucket holds what was asked, at its rate. */
  | { ok: false, bucket: Bucket, retryAfterMs: number }

/**
 * Refill arithmetic in floating point can land a hair under a whole token at
 * the very moment a Retry-After promised it; this much is counted as there.
 */
const TOKEN_EPSILON = 1e-9

export class InvalidRateError extends RangeError {
  constructor (rate: BucketRate, why: string) {
    super(`token bucket rate ${JSON.stringify(rate)}: ${why}`)
    this.name = 'InvalidRateError'
  }
}

export function checkRate (rate: BucketRate): void {
  if (!Number.isFinite(rate.ratePerS) || rate.ratePerS <= 0) throw new InvalidRateError(rate, 'ratePerS must be a positive number')
  if (!Number.isSafeInteger(rate.burst) || rate.burst < 1) throw new InvalidRateError(rate, 'burst must be an integer ≥ 1')
}

/** A bucket nobody has drawn from: full. */
export function fullBucket (rate: BucketRate, nowMs: number): Bucket {
  return { tokens: rate.burst, atMs: nowMs }
}

/** The bucket at `nowMs`: what it held plus what the rate added since, up to `burst`. */
export function refill (bucket: Bucket, rate: BucketRate, nowMs: number): Bucket {
  if (nowMs <= bucket.atMs) return bucket
  return { tokens: Math.min(rate.burst, bucket.tokens + (nowMs - bucket.atMs) * rate.ratePerS / 1000), atMs: nowMs }
}

/** Takes `cost` tokens at `nowMs`, or says how long until they are there. */
export function take (bucket: Bucket, rate: BucketRate, nowMs: number, cost = 1): TakeResult {
  if (cost > rate.burst) throw new InvalidRateError(rate, `a cost of ${cost} is over the burst and could never be taken`)
  const now = refill(bucket, rate, nowMs)
  if (now.tokens + TOKEN_EPSILON >= cost) return { ok: true, bucket: { tokens: Math.max(0, now.tokens - cost), atMs: now.atMs } }
  return { ok: false, bucket: now, retryAfterMs: Math.ceil((cost - now.tokens) * 1000 / rate.ratePerS) }
}

/** HTTP's Retry-After is whole seconds: rounded up, and at least 1 (a 0 invites an immediate retry that may well fail again). */
export function retryAfterSeconds (retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000))
}
