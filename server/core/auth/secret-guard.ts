import type { H3Event } from 'h3'
import { getRequestHeader, setResponseHeader } from 'h3'
import { useSecurity } from './security'
import { bearerMatches } from '../bearer'
import type { FailureScope } from '../limits/failure-budget'
import { limitKey } from '../limits/client-ip'
import { clientError } from '../http'

export type SecretVerdict
  = | { ok: true }
    | { ok: false, status: 401 | 429, retryAfterSeconds?: number }

/**
 * Checks a presented secret against the client's failure budget for
 * `scope`: 429 while the budget is spent (even for the right secret), 401
 * and one failure charged when the secret is wrong. Synchronous from check
 * to charge, so parallel guesses cannot slip past the budget.
 */
export function judgeSecret(event: H3Event, scope: FailureScope, matches: () => boolean): SecretVerdict {
  const security = useSecurity()
  const key = limitKey(security.clientAddress(event))
  const open = security.failures.check(scope, key)
  if (!open.ok) return { ok: false, status: 429, retryAfterSeconds: open.retryAfterSeconds }
  if (matches()) return { ok: true }
  const charged = security.failures.charge(scope, key)
  return charged.ok ? { ok: false, status: 401 } : { ok: false, status: 429, retryAfterSeconds: charged.retryAfterSeconds }
}

/** `Authorization: Bearer <expected>` or an error to throw (401, or 429 with Retry-After). */
export function requireBearer(event: H3Event, scope: FailureScope, expected: string, what: string): void {
  const verdict = judgeSecret(event, scope, () => bearerMatches(getRequestHeader(event, 'authorization'), expected))
  if (verdict.ok) return
  if (verdict.status === 429) {
    setResponseHeader(event, 'Retry-After', verdict.retryAfterSeconds ?? 60)
    throw clientError(event, 429, `too many wrong ${what}s from this address`)
  }
  setResponseHeader(event, 'WWW-Authenticate', 'Bearer')
  throw clientError(event, 401, `missing or wrong ${what}`)
}
