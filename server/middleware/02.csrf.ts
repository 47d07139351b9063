import { useSecurity } from '../core/auth/security'
import { isApiPath, isIngestPath, routePath } from '../core/auth/paths'
import { isForeignRequest, isJsonContentType } from '../core/auth/request-origin'
import { clientError } from '../core/http'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const WHAT: Record<string, string> = { '/api/auth/login': 'sign-in', '/api/auth/logout': 'sign-out', '/api/sse/ticket': 'ticket request' }

/**
 * Requests that change state (sign-in, sign-out, tickets, and any such
 * endpoint added later) must come from this dashboard's own origin or an
 * allowlisted one, and carry JSON: an HTML form cannot send
 * `application/json`, and a script on another origin cannot without a CORS
 * preflight, which only NUXT_CORS_ORIGINS passes. Ingest is exempt: it
 * authenticates with a header that browsers never add on their own.
 * A request with an Authorization header is exempt from the content type
 * for the same reason (scripts asking for a ticket need no body).
 */
export default defineEventHandler((event) => {
  if (SAFE_METHODS.has(event.method)) return
  const path = routePath(event.path)
  if (!isApiPath(path) || isIngestPath(path)) return
  const security = useSecurity()
  const what = WHAT[path] ?? 'request'
  if (isForeignRequest(event, security.config.corsOrigins, security.isHttps(event))) {
    throw clientError(event, 403, `cross-site ${what} refused (other origins need NUXT_CORS_ORIGINS)`)
  }
  if (getRequestHeader(event, 'authorization') === undefined && !isJsonContentType(getRequestHeader(event, 'content-type'))) {
    throw clientError(event, 415, `${what}: send Content-Type: application/json`)
  }
})
