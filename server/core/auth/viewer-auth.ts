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

const TOO_MANY = 'too many failed attempts from this address'

/**
 * Decides who the request is, in this order: an `Authorization: Bearer`
 * header (if present it must be right), the session cookie, then for the
 * stream a ticket or query token. Messages name what is wrong, never the
 * value that was sent.
 *
 * Wrong secrets count against the address's `viewer` failure budget (apart
 * from sign-in's own); when it is spent the client gets 429 before anything
 * is checked. Every decision to charge is made without an `await` between
 * the check and the charge. A ticket we signed but that is spent or expired
 * is not a guess (a browser's EventSource reconnects with the same URL), so
 * it gets 401 without a charge.
 */
export async function checkViewer(event: H3Event, security: Security, options: CheckOptions): Promise<ViewerCheck> {
  const { config, sessions } = security
  if (!config.authEnabled || !sessions) return { ok: true, via: 'off' }

  const key = limitKey(security.clientAddress(event))
  const judge = (matches: boolean, via: ViewerVia, message: string): ViewerCheck => {
    const open = security.failures.check('viewer', key)
    if (!open.ok) return { ok: false, status: 429, message: TOO_MANY, retryAfterSeconds: open.retryAfterSeconds }
    if (matches) return { ok: true, via }
    const charged = security.failures.charge('viewer', key)
    if (!charged.ok) return { ok: false, status: 429, message: TOO_MANY, retryAfterSeconds: charged.retryAfterSeconds }
    return { ok: false, status: 401, message }
  }

  const authorization = getRequestHeader(event, 'authorization')
  if (authorization !== undefined) {
    const token = bearerToken(authorization)
    if (token === null) return judge(false, 'bearer', 'malformed Authorization header (expected Bearer <viewer token>)')
    return judge(secretEquals(token, config.viewerToken), 'bearer', 'wrong viewer token')
  }

  if (await sessions.isSignedIn(event)) return { ok: true, via: 'session' }
  if (!options.stream) return { ok: false, status: 401, message: 'not signed in' }

  const query = getQuery(event)
  if (query.ticket !== undefined) {
    if (typeof query.ticket !== 'string') return { ok: false, status: 400, message: '`ticket` must be given once' }
    if (!security.tickets.isSigned(query.ticket)) return judge(false, 'ticket', 'ticket unknown, expired or already used')
    try {
      if (await security.tickets.redeem(query.ticket) === 'redeemed') return { ok: true, via: 'ticket' }
      return { ok: false, status: 401, message: 'ticket expired or already used: get a new one for every connection (POST /api/sse/ticket)' }
    }
    catch (error) {
      if (error instanceof TicketStoreUnavailableError) return { ok: false, status: 503, message: 'ticket store unavailable, retry', retryAfterSeconds: 1 }
      throw error
    }
  }
  if (query.token !== undefined) {
    if (!config.sseAllowQueryToken) return { ok: false, status: 401, message: 'tokens in the query string are disabled (NUXT_SSE_ALLOW_QUERY_TOKEN); use the session cookie or a ticket' }
    if (typeof query.token !== 'string') return { ok: false, status: 400, message: '`token` must be given once' }
    return judge(secretEquals(query.token, config.viewerToken), 'query-token', 'wrong viewer token')
  }
  return { ok: false, status: 401, message: 'not signed in: use the session cookie, a ticket or a bearer token' }
}
