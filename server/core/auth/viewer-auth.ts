import type { H3Event } from 'h3'
import { getQuery, getRequestHeader } from 'h3'
import type { Security } from './security'
import { bearerToken, secretEquals } from '../bearer'
import { limitKey } from '../limits/client-ip'
import { TicketStoreUnavailableError } from './tickets/ticket-store'

export type ViewerVia = 'off' | 'session' | 'bearer' | 'ticket' | 'query-token'

export type ViewerCheck
  = | { ok: true, via: ViewerVia }
    | { ok: false, status: 400 | 401 | 429 | 503, message: string, retryAfterSeconds?: number }

export interface CheckOptions {
  /** The stream also accepts `?ticket=` and, when enabled, `?token=`. */
  stream: boolean
}

/**
 * Decides who the request is, in this order: an `Authorization: Bearer`
 * header (if present it must be right), the session cookie, then for the
 * stream a ticket or query token. Messages name what is wrong, never the
 * value that was sent. Wrong secrets count against the client's failure
 * budget; when it is spent the client gets 429 before anything is checked.
 */
export async function checkViewer(event: H3Event, security: Security, options: CheckOptions): Promise<ViewerCheck> {
  const { config, sessions } = security
  if (!config.authEnabled || !sessions) return { ok: true, via: 'off' }

  const key = limitKey(security.clientAddress(event))
  const failed = (message: string): ViewerCheck => {
    const verdict = security.authFailures.take(key)
    if (!verdict.ok) return { ok: false, status: 429, message: 'too many failed sign-in attempts', retryAfterSeconds: verdict.retryAfterSeconds }
    return { ok: false, status: 401, message }
  }
  const guard = (): ViewerCheck | null => {
    const verdict = security.authFailures.check(key)
    return verdict.ok ? null : { ok: false, status: 429, message: 'too many failed sign-in attempts', retryAfterSeconds: verdict.retryAfterSeconds }
  }

  const authorization = getRequestHeader(event, 'authorization')
  if (authorization !== undefined) {
    const blocked = guard()
    if (blocked) return blocked
    const token = bearerToken(authorization)
    if (token === null) return failed('malformed Authorization header (expected Bearer <viewer token>)')
    return secretEquals(token, config.viewerToken) ? { ok: true, via: 'bearer' } : failed('wrong viewer token')
  }

  if (await sessions.isSignedIn(event)) return { ok: true, via: 'session' }
  if (!options.stream) return { ok: false, status: 401, message: 'not signed in' }

  const query = getQuery(event)
  if (query.ticket !== undefined) {
    if (typeof query.ticket !== 'string') return { ok: false, status: 400, message: '`ticket` must be given once' }
    const blocked = guard()
    if (blocked) return blocked
    try {
      return await security.tickets.redeem(query.ticket) ? { ok: true, via: 'ticket' } : failed('ticket unknown, expired or already used')
    }
    catch (error) {
      if (error instanceof TicketStoreUnavailableError) return { ok: false, status: 503, message: 'ticket store unavailable, retry', retryAfterSeconds: 1 }
      throw error
    }
  }
  if (query.token !== undefined) {
    if (!config.sseAllowQueryToken) return { ok: false, status: 401, message: 'tokens in the query string are disabled (NUXT_SSE_ALLOW_QUERY_TOKEN); use the session cookie or a ticket' }
    if (typeof query.token !== 'string') return { ok: false, status: 400, message: '`token` must be given once' }
    const blocked = guard()
    if (blocked) return blocked
    return secretEquals(query.token, config.viewerToken) ? { ok: true, via: 'query-token' } : failed('wrong viewer token')
  }
  return { ok: false, status: 401, message: 'not signed in: use the session cookie, a ticket or a bearer token' }
}
