import { usePulse } from '../../core/pulse'

/**
 * 200 while the broker can carry events, 503 while it cannot (load balancers
 * read this). "Can" means Redis answered within the last few seconds, not
 * merely that a socket is open. Public, so it says nothing more: counts and
 * details are in `/api/sse/stats` (signed in).
 */
export default defineEventHandler((event) => {
  const { broker } = usePulse()
  const ready = broker.state() === 'ready'
  setResponseHeader(event, 'Cache-Control', 'no-store')
  setResponseStatus(event, ready ? 200 : 503)
  return { status: ready ? 'ok' : 'down' }
})
