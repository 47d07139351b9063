import { usePulse } from '../../core/pulse'

/**
 * 200 while the broker can carry events, 503 while it cannot (load balancers
 * read this). With Redis it also says how long the current outage has lasted,
 * how the last one ended, and how often the primary changed (failovers).
 */
export default defineEventHandler((event) => {
  const { broker, hub, availability } = usePulse()
  const state = broker.state()
  setResponseHeader(event, 'Cache-Control', 'no-store')
  setResponseStatus(event, state === 'ready' ? 200 : 503)
  const { primaryChanges, logResets } = broker.stats()
  return {
    status: state === 'ready' ? 'ok' : 'down',
    broker: { kind: broker.kind, state },
    connectedClients: hub.size,
    ...(broker.kind === 'redis' ? { redis: { ...availability.report(), primaryChanges, logResets } } : {}),
  }
})
