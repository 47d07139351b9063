import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Pulse } from './pulse'
import { parseEventId } from './broker/event-id'
import { alertingCounts } from './alerts/alerting'

export type ExporterSource = Pick<Pulse, 'config' | 'broker' | 'hub' | 'counters' | 'sources'>

export interface PrometheusExporter {
  readonly contentType: string
  /** The exposition text, read from the live counters at call time. */
  render(): Promise<string>
  close(): void
}

export interface ExporterOptions {
  /** Process, heap, GC and event-loop lag metrics from prom-client. @default true */
  defaultMetrics?: boolean
  now?: () => number
}

/** Seconds between Redis assigning an id and this instance receiving the event. */
const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/**
 * This instance's numbers in Prometheus' text format. Nothing is counted
 * twice: each metric reads the counter the core already keeps (the same ones
 * as `/api/sse/stats`) when Prometheus scrapes. Only the delivery lag is
 * observed here, from the time inside each durable event's id.
 */
export function createPrometheusExporter(pulse: ExporterSource, { defaultMetrics = true, now = Date.now }: ExporterOptions = {}): PrometheusExporter {
  const { broker, hub, counters, config, sources } = pulse
  const registry = new Registry()
  const registers = [registry]
  const total = (name: string, help: string, read: () => number, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers, collect() {
      this.reset()
      this.inc(read())
    } })

  new Gauge({ name: 'pulseboard_instance_info', help: 'Always 1; labels say which instance and broker this is', labelNames: ['instance_id', 'broker'], registers, collect() {
    this.set({ instance_id: config.instanceId, broker: broker.kind }, 1)
  } })
  new Gauge({ name: 'pulseboard_sse_connections', help: 'Open SSE streams on this instance', registers, collect() {
    this.set(hub.size)
  } })
  total('pulseboard_events_published_total', 'Durable events this instance put into the log', () => counters.eventsPublished)
  total('pulseboard_events_delivered_total', 'Event frames written to SSE clients (one per client per event)', () => counters.eventsDelivered)
  total('pulseboard_slow_disconnects_total', 'Clients disconnected because their queue passed NUXT_SSE_MAX_QUEUE_BYTES', () => counters.slowDisconnects)
  new Counter({ name: 'pulseboard_invalid_events_total', help: 'Events refused as invalid, by where they were caught', labelNames: ['stage'], registers, collect() {
    this.reset()
    this.inc({ stage: 'publish' }, counters.invalidDropped)
    this.inc({ stage: 'broker' }, broker.stats().invalidDropped)
  } })
  total('pulseboard_sources_refused_total', 'Events refused because their source was new and NUXT_MAX_SOURCES sources were tracked already', () => counters.sourcesRefused)
  new Gauge({ name: 'pulseboard_sources_tracked', help: 'Distinct sources this instance tracks (at most NUXT_MAX_SOURCES)', registers, collect() {
    this.set(sources.size)
  } })
  new Counter({ name: 'pulseboard_answers_total', help: 'History and snapshot answers: computed, or shared with concurrent and same-second requests', labelNames: ['kind'], registers, collect() {
    this.reset()
    this.inc({ kind: 'computed' }, counters.answers.computed)
    this.inc({ kind: 'shared' }, counters.answers.shared)
  } })
  new Counter({ name: 'pulseboard_pages_total', help: 'Dashboard pages: rendered, or shared with concurrent and same-second requests', labelNames: ['kind'], registers, collect() {
    this.reset()
    this.inc({ kind: 'rendered' }, counters.pages.computed)
    this.inc({ kind: 'shared' }, counters.pages.shared)
  } })
  total('pulseboard_broker_reconnects_total', 'Times the broker\'s log reader connection to Redis was re-established', () => broker.stats().reconnects)
  total('pulseboard_redis_failovers_total', 'Times the Redis process holding the log changed (a failover, or a restart)', () => broker.stats().primaryChanges)
  total('pulseboard_redis_log_resets_total', 'Times the log was found lost or replaced and this instance\'s clients were sent a reset', () => broker.stats().logResets)
  new Gauge({ name: 'pulseboard_broker_ready', help: '1 while the broker carries events (what /health/sse reports), 0 otherwise', registers, collect() {
    this.set(broker.state() === 'ready' ? 1 : 0)
  } })

  new Counter({ name: 'pulseboard_alert_transitions_total', help: 'Alert transitions this instance computed, by what its keyed publish did (published first, replayed: another instance was first, failed)', labelNames: ['result'], registers, collect() {
    this.reset()
    const counts = alertingCounts()
    this.inc({ result: 'published' }, counts.published)
    this.inc({ result: 'replayed' }, counts.replayed)
    this.inc({ result: 'failed' }, counts.publishFailed)
  } })
  new Counter({ name: 'pulseboard_alert_notifications_total', help: 'Alert webhook notifications, by outcome (retried counts attempts tried again)', labelNames: ['result'], registers, collect() {
    this.reset()
    const { notifications } = alertingCounts()
    for (const result of ['sent', 'failed', 'dropped', 'retried'] as const) this.inc({ result }, notifications[result])
  } })

  const lag = new Histogram({ name: 'pulseboard_broker_delivery_lag_seconds', help: 'From the id\'s timestamp (set by the log) to receipt by this instance; includes clock skew between Redis and this host', buckets: LAG_BUCKETS, registers })
  const stopObserving = hub.onMessage((message) => {
    const id = message.id === undefined ? null : parseEventId(message.id)
    if (id) lag.observe(Math.max(0, now() - id.ms) / 1000)
  })

  if (defaultMetrics) collectDefaultMetrics({ register: registry })

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close() {
      stopObserving()
      registry.clear()
    },
  }
}

let current: PrometheusExporter | null = null

export function setPrometheusExporter(exporter: PrometheusExporter | null): void {
  current = exporter
}

/** The exporter, or null when `/metrics` is disabled (no NUXT_METRICS_TOKEN). */
export function usePrometheusExporter(): PrometheusExporter | null {
  return current
}
