import type { H3Event } from 'h3'
import { useSecurity } from '../core/auth/security'
import { isIngestPath, isStreamPath, routePath } from '../core/auth/paths'
import { limitKey } from '../core/limits/client-ip'
import type { RateLimiter } from '../core/limits/rate-limiter'
import { clientError } from '../core/http'

const FULL_RETRY_AFTER_SECONDS = 5
const HISTORY_PATH = '/api/history'

/** One token of `limiter` for the client, or a 429 with Retry-After naming the setting. */
function takeToken(event: H3Event, limiter: RateLimiter, key: string, message: string): void {
  const verdict = limiter.take(key)
  if (verdict.ok) return
  setResponseHeader(event, 'Retry-After', verdict.retryAfterSeconds)
  throw clientError(event, 429, message)
}

/**
 * Limits checked before any work or stream byte, per client address unless
 * said otherwise (README, Security, Limits): stream requests per minute
 * (each may replay the log, so even refused ones count) and open streams
 * (503 + Retry-After per instance, so the load balancer or client tries
 * another instance; 429 per address), history reads per minute, ingest
 * requests per second and in progress at once.
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
  if (path === HISTORY_PATH && event.method === 'GET') {
    takeToken(event, security.historyReads, limitKey(security.clientAddress(event)), 'too many history reads from this address (NUXT_HISTORY_READS_PER_MINUTE)')
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
