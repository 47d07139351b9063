import { usePulse } from '../../core/pulse'

/**
 * 200 while the broker can carry events, 503 while it cannot (load balancers
 * read this). "Can" means Redis answered within the last few seconds, not
 * merely that a socket is open. During an outage it says for how long;
 * public, so it says nothing more: counts, the last outage and failovers
 * are in `/api/sse/stats` (signed in).
 */
export default defineEventHandler((event) => {
  const { broker, availability } = usePulse()
  const ready = broker.state() === 'ready'
  setResponseHeader(event, 'Cache-Control', 'no-store')
  setResponseStatus(event, ready ? 200 : 503)
  const { downForMs } = availability.report()
  return ready ? { status: 'ok' } : { status: 'down', ...(downForMs === null ? {} : { downForMs }) }
})
