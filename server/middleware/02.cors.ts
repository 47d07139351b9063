import { useSecurity } from '../core/auth/security'
import { corsDecision } from '../core/auth/cors'
import { isApiPath, isIngestPath, routePath } from '../core/auth/paths'
import { clientError } from '../core/http'

/**
 * CORS for /api/* from the NUXT_CORS_ORIGINS allowlist. Preflights from other
 * origins are refused with 403; their simple requests get no CORS headers, so
 * the browser keeps the response from the page. Ingest authenticates with a
 * header, not cookies, so it never allows credentials.
 */
export default defineEventHandler((event) => {
  const path = routePath(event.path)
  const origin = getRequestHeader(event, 'origin')
  if (!origin || !isApiPath(path)) return
  const preflight = isPreflightRequest(event)
  const decision = corsDecision(origin, useSecurity().config.corsOrigins, { preflight, credentials: !isIngestPath(path) })
  setResponseHeaders(event, decision.headers)
  if (!preflight) return
  if (!decision.allowed) throw clientError(event, 403, 'origin not allowed (NUXT_CORS_ORIGINS)')
  setResponseStatus(event, 204)
  return ''
})
