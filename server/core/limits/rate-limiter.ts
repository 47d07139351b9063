export interface RateLimiterOptions {
  /** Tokens added per second. */
  ratePerSecond: number
  /** Bucket size: how many requests may arrive at once after a quiet period. */
  burst: number
  /** Keys tracked at most; beyond this the fullest (idle) buckets are forgotten. */
  maxKeys?: number
  now?: () => number
}

export type RateVerdict = { ok: true } | { ok: false, retryAfterSeconds: number }

interface Bucket { tokens: number, at: number }

/**
 * A token bucket per key (client address), in this instance's memory. Limits
 * are per instance: behind a load balancer with N instances a client gets at
 * most N times the rate, which is enough to stop floods and brute force.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly now: () => number
  private readonly maxKeys: number

  constructor(private readonly options: RateLimiterOptions) {
    this.now = options.now ?? Date.now
    this.maxKeys = options.maxKeys ?? 100_000
  }

  /** Takes one token for `key`, or says how long to wait for the next one. */
  take(key: string): RateVerdict {
    const bucket = this.refill(key)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return { ok: true }
    }
    return { ok: false, retryAfterSeconds: this.secondsUntilToken(bucket) }
  }

  /** Whether `key` could take a token now, without taking it. */
  check(key: string): RateVerdict {
    const bucket = this.buckets.get(key)
    if (!bucket) return { ok: true }
    const refilled = this.refill(key)
    return refilled.tokens >= 1 ? { ok: true } : { ok: false, retryAfterSeconds: this.secondsUntilToken(refilled) }
  }

  get size(): number {
    return this.buckets.size
  }

  private refill(key: string): Bucket {
    const now = this.now()
    let bucket = this.buckets.get(key)
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.evictFull(now)
      bucket = { tokens: this.options.burst, at: now }
      this.buckets.set(key, bucket)
      return bucket
    }
    const elapsed = Math.max(0, now - bucket.at) / 1000
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + elapsed * this.options.ratePerSecond)
    bucket.at = now
    return bucket
  }

  private secondsUntilToken(bucket: Bucket): number {
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.options.ratePerSecond))
  }

  /** Forgets buckets that have refilled completely (they behave like new ones), else the oldest. */
  private evictFull(now: number): void {
    const fullAfterMs = (this.options.burst / this.options.ratePerSecond) * 1000
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at >= fullAfterMs) this.buckets.delete(key)
    }
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next()
      if (!oldest.done) this.buckets.delete(oldest.value)
    }
  }
}
