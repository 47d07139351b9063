import { describe, expect, it } from 'vitest'
import { RateLimiter } from '../../server/core/limits/rate-limiter'
import { ConnectionLimiter } from '../../server/core/limits/connection-limiter'

describe('rate limiter (token bucket per client)', () => {
  it('allows the burst, then refuses with the wait until the next token, then refills', () => {
    let now = 0
    const limiter = new RateLimiter({ ratePerSecond: 2, burst: 3, now: () => now })
    for (let i = 0; i < 3; i++) expect(limiter.take('a').ok).toBe(true)
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 })
    expect(limiter.take('b').ok).toBe(true)
    now += 500
    expect(limiter.take('a').ok).toBe(true)
    expect(limiter.take('a').ok).toBe(false)
    now += 10_000
    expect(limiter.check('a').ok).toBe(true)
    for (let i = 0; i < 3; i++) expect(limiter.take('a').ok).toBe(true)
    expect(limiter.take('a').ok).toBe(false)
  })

  it('gives a longer Retry-After when tokens come slowly', () => {
    const limiter = new RateLimiter({ ratePerSecond: 20 / 60, burst: 1, now: () => 0 })
    expect(limiter.take('a').ok).toBe(true)
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 3 })
  })

  it('keeps at most maxKeys buckets, forgetting full ones first', () => {
    let now = 0
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 3, now: () => now })
    limiter.take('a')
    limiter.take('b')
    now += 5000
    limiter.take('c')
    limiter.take('d')
    expect(limiter.size).toBeLessThanOrEqual(3)
    expect(limiter.take('c').ok).toBe(false)
  })
})

describe('connection limiter', () => {
  it('refuses beyond the per-client and the per-instance limit, and releases exactly once', () => {
    const limiter = new ConnectionLimiter(3, 2)
    const a1 = limiter.admit('a')
    const a2 = limiter.admit('a')
    expect(a1.ok && a2.ok).toBe(true)
    expect(limiter.admit('a')).toEqual({ ok: false, reason: 'client-full' })
    const b1 = limiter.admit('b')
    expect(b1.ok).toBe(true)
    expect(limiter.admit('c')).toEqual({ ok: false, reason: 'instance-full' })
    if (!a1.ok) throw new Error('unreachable')
    a1.release()
    a1.release()
    expect(limiter.size).toBe(2)
    expect(limiter.countFor('a')).toBe(1)
    expect(limiter.admit('c').ok).toBe(true)
    expect(limiter.admit('c')).toEqual({ ok: false, reason: 'instance-full' })
  })
})
