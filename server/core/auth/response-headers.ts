import type { H3Event } from 'h3'
import { setResponseHeaders } from 'h3'
import { isStreamPath, routePath } from './paths'
import { securityHeaders } from './security-headers'

/**
 * Security headers for every response, set when the request arrives (the
 * Nitro `request` hook runs before any handler, the static files under
 * `/_nuxt/` included). A stream request only notes them: the stream route
 * sends them with its head and refusals get them in `clientError`, so Node
 * keeps no stored header map for the stream's life.
 */
export function applySecurityHeaders(event: H3Event, frameAncestors: string): void {
  const headers = securityHeaders(frameAncestors)
  if (event.method === 'GET' && isStreamPath(routePath(event.path))) {
    event.context.deferredHeaders = headers
    return
  }
  setResponseHeaders(event, headers)
}
