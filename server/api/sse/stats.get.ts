import { usePulse } from '../../core/pulse'
import { useReadPath } from '../../core/history/read-path'

/** Exact counts for this instance. */
export default defineEventHandler((event) => {
  const { hub, counters, broker, config, startedAt, sources, availability } = usePulse()
  setResponseHeader(event, 'Cache-Control', 'no-store')
  const { reconnects, primaryChanges, logResets } = broker.stats()
  return {
    connectedClients: hub.size,
    instance: config.instanceId,
    serverTime: new Date().toISOString(),
    uptime: Math.round((Date.now() - startedAt) / 1000),
    eventsPublished: counters.eventsPublished,
    eventsDelivered: counters.eventsDelivered,
    invalidDropped: counters.invalidDropped + broker.stats().invalidDropped,
    slowDisconnects: counters.slowDisconnects,
    sources: sources.size,
    sourcesRefused: counters.sourcesRefused,
    answers: { ...counters.answers },
    pages: { ...counters.pages },
    history: historyStats(),
    broker: {
      kind: broker.kind,
      state: broker.state(),
      reconnects,
      // Outages as this instance saw them, failovers (the primary holding the log changed) and lost logs.
      ...(broker.kind === 'redis' ? { ...availability.report(), failovers: primaryChanges, logResets } : {}),
    },
  }
})

function historyStats() {
  const { history, historyCounts } = useReadPath()
  return { loaded: history.loaded, sources: history.sourceCount, ...historyCounts }
}
