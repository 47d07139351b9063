import { useSecurity } from '../core/auth/security'
import { checkViewer } from '../core/auth/viewer-auth'
import { isStreamPath, needsViewer, routePath } from '../core/auth/paths'
import { clientError } from '../core/http'

/**
 * The viewer guard for the API (deny by default, see core/auth/paths.ts). It
 * runs before the route, so a refused stream gets its 401 before a single
 * stream byte. Pages are guarded by middleware/auth.global.ts.
 */
export default defineEventHandler(async (event) => {
  const path = routePath(event.path)
  if (!needsViewer(path) || event.method === 'OPTIONS') return
  const result = await checkViewer(event, useSecurity(), { stream: isStreamPath(path) })
  if (result.ok) return
  if (result.retryAfterSeconds !== undefined) setResponseHeader(event, 'Retry-After', result.retryAfterSeconds)
  if (result.status === 401) setResponseHeader(event, 'WWW-Authenticate', 'Bearer realm="pulseboard"')
  throw clientError(event, result.status, result.message)
})
