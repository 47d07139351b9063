import { useSecurity } from '../core/auth/security'
import { securityHeaders } from '../core/auth/security-headers'
import { isStreamPath, routePath } from '../core/auth/paths'

/**
 * Security headers for every response. A stream request only notes them: the
 * stream route sends them with its head and refusals get them in
 * `clientError`, so Node keeps no stored header map for the stream's life.
 */
export default defineEventHandler((event) => {
  const headers = securityHeaders(useSecurity().config.frameAncestors)
  if (event.method === 'GET' && isStreamPath(routePath(event.path))) {
    event.context.deferredHeaders = headers
    return
  }
  setResponseHeaders(event, headers)
})
