import { useSecurity } from '../core/auth/security'
import { isIngestPath, isStreamPath, routePath } from '../core/auth/paths'
import { limitKey } from '../core/limits/client-ip'
import { clientError } from '../core/http'

const FULL_RETRY_AFTER_SECONDS = 5

/**
 * Limits checked before any work or stream byte: open streams per instance
 * (503 + Retry-After, so the load balancer or client tries another instance)
 * and per client address (429), ingest requests per client address (429).
 */
export default defineEventHandler((event) => {
  const path = routePath(event.path)
  const security = useSecurity()
  if (isStreamPath(path) && event.method === 'GET') {
    const verdict = security.streamSlots.admit(limitKey(security.clientAddress(event)))
    if (!verdict.ok) {
      setResponseHeader(event, 'Retry-After', FULL_RETRY_AFTER_SECONDS)
      if (verdict.reason === 'instance-full') throw clientError(event, 503, 'this instance has no free stream slots; retry (another instance)')
      throw clientError(event, 429, 'too many open streams from this address')
    }
    // Given back when the response ends, however it ends (401, 400, client gone, shutdown).
    event.node.res.once('close', verdict.release)
    return
  }
  if (isIngestPath(path) && event.method === 'POST') {
    const verdict = security.ingestRate.take(limitKey(security.clientAddress(event)))
    if (!verdict.ok) {
      setResponseHeader(event, 'Retry-After', verdict.retryAfterSeconds)
      throw clientError(event, 429, 'ingest rate limit exceeded; slow down')
    }
  }
})
