import type { RateVerdict } from './rate-limiter'
import { RateLimiter } from './rate-limiter'

/**
 * What a wrong secret was presented for. Each scope has its own budget per
 * client address, so one kind of failure cannot lock another out: twenty
 * dashboards reconnecting with spent tickets, or a collector with an old
 * publisher token, leave `/api/auth/login` usable from that address.
 */
export type FailureScope = 'login' | 'viewer' | 'publish' | 'metrics'

/**
 * Failed attempts per client address and scope (README, Security), as a
 * token bucket: `perMinute` failures at once, refilled at `perMinute` per
 * minute. Callers decide and charge without an `await` in between (the
 * request body is read first), so parallel requests cannot all pass the
 * check before any of them is charged.
 */
export class FailureBudgets {
  private readonly limiter: RateLimiter

  constructor(perMinute: number, now?: () => number) {
    this.limiter = new RateLimiter({ ratePerSecond: perMinute / 60, burst: perMinute, now })
  }

  /** Whether `key` may still try in `scope`; spends nothing. */
  check(scope: FailureScope, key: string): RateVerdict {
    return this.limiter.check(`${scope} ${key}`)
  }

  /** Charges one failure; not ok once the budget was already spent (then answer 429, not 401). */
  charge(scope: FailureScope, key: string): RateVerdict {
    return this.limiter.take(`${scope} ${key}`)
  }
}
