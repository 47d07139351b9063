import { useSecurity } from '../core/auth/security'
import { isIngestPath, isStreamPath, routePath } from '../core/auth/paths'
import { limitKey } from '../core/limits/client-ip'
import { takeToken } from '../core/limits/take-token'
import { clientError } from '../core/http'

const FULL_RETRY_AFTER_SECONDS = 5

/**
 * Limits checked before any work or stream byte, per client address unless
 * said otherwise (README, Security, Limits): stream requests per minute
 * (each may replay the log, so even refused ones count) and open streams
 * (503 + Retry-After per instance, so the load balancer or client tries
 * another instance; 429 per address), ingest requests per second and in
 * progress at once. History reads are limited by their route, which knows
 * whether a request costs a computation.
 */
export default defineEventHandler((event) => {
  const path = routePath(event.path)
  const security = useSecurity()
  if (isStreamPath(path) && event.method === 'GET') {
    const key = limitKey(security.clientAddress(event))
    takeToken(event, security.streamOpens, key, 'too many stream requests from this address (NUXT_SSE_OPENS_PER_MINUTE)')
    const verdict = security.streamSlots.admit(key)
    if (!verdict.ok) {
      setResponseHeader(event, 'Retry-After', FULL_RETRY_AFTER_SECONDS)
      if (verdict.reason === 'instance-full') throw clientError(event, 503, 'this instance has no free stream slots; retry (another instance)')
      throw clientError(event, 429, 'too many open streams from this address')
    }
    // Given back when the response ends, however it ends (401, 400, client gone, shutdown).
    // `on`, not `once`: 'close' fires once and release() is idempotent, and a
    // once-wrapper would cost ~100 B more for as long as the stream is open.
    event.node.res.on('close', verdict.release)
    return
  }
  if (isIngestPath(path) && event.method === 'POST') {
    const key = limitKey(security.clientAddress(event))
    takeToken(event, security.ingestRate, key, 'ingest rate limit exceeded; slow down')
    const slot = security.ingestSlots.admit(key)
    if (!slot.ok) {
      setResponseHeader(event, 'Retry-After', 1)
      throw clientError(event, 429, 'too many ingest requests in progress from this address (NUXT_INGEST_MAX_CONCURRENT_PER_IP)')
    }
    event.node.res.on('close', slot.release)
  }
})
