import { useSecurity } from '../../core/auth/security'
import { TicketStoreUnavailableError } from '../../core/auth/tickets/ticket-store'
import { limitKey } from '../../core/limits/client-ip'
import { clientError } from '../../core/http'

/**
 * A single-use stream ticket (`GET /api/sse/dashboard?ticket=...`), valid for
 * NUXT_SSE_TICKET_TTL_MS. The viewer guard (server/middleware/04.viewer-auth.ts)
 * already checked the caller: a session cookie or a Bearer viewer token.
 * Tickets per client address are rate-limited (NUXT_SSE_TICKETS_PER_MINUTE),
 * so no viewer can crowd the ticket store.
 */
export default defineEventHandler(async (event) => {
  const security = useSecurity()
  const { tickets, config } = security
  if (!config.authEnabled) throw clientError(event, 404, 'authentication is off: open the stream without a ticket')
  setResponseHeader(event, 'Cache-Control', 'no-store')
  const rate = security.ticketIssues.take(limitKey(security.clientAddress(event)))
  if (!rate.ok) {
    setResponseHeader(event, 'Retry-After', rate.retryAfterSeconds)
    throw clientError(event, 429, 'too many tickets from this address (NUXT_SSE_TICKETS_PER_MINUTE)')
  }
  try {
    const ticket = await tickets.issue(config.sseTicketTtlMs)
    return { ticket, expiresInMs: config.sseTicketTtlMs }
  }
  catch (error) {
    if (!(error instanceof TicketStoreUnavailableError)) throw error
    setResponseHeader(event, 'Retry-After', 1)
    throw clientError(event, 503, 'ticket store unavailable, retry')
  }
})
