import type { H3Event } from 'h3'
import { setResponseHeader } from 'h3'
import { clientError } from '../http'
import type { RateLimiter } from './rate-limiter'

/** One token of `limiter` for `key`, or a 429 with Retry-After and `message` (which names the setting). */
export function takeToken(event: H3Event, limiter: RateLimiter, key: string, message: string): void {
  const verdict = limiter.take(key)
  if (verdict.ok) return
  setResponseHeader(event, 'Retry-After', verdict.retryAfterSeconds)
  throw clientError(event, 429, message)
}
