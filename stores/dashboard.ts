import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { Alert, Health, LogLine, Metric, MetricField } from '#shared/events'
import type { Snapshot } from '#shared/snapshot'
import type { HistoryWire, ReducedHistory } from '#shared/history'
import { decodeHistory, HISTORY_BUCKET_MS, historyPoints } from '#shared/history'
import { EVENT_NAMES, METRIC_FIELDS } from '#shared/channels'
import { MetricSeries } from '../utils/metric-series'
import { isAfterEventId } from '../utils/event-order'
import { statusOf } from '../utils/http-status'
import type { SseStatus } from '../composables/useSse'

/** A source or health check that has not reported for this long is shown as stale. */
export const STALE_AFTER_MS = 3000
export const MAX_ALERTS = 100
export const MAX_LOGS = 500
/** The longest chart window. */
export const CHART_SPAN_MS = 30 * 60_000
/** A source or check silent this long is gone (scaled down, renamed): its row is removed. */
export const FORGET_AFTER_MS = 10 * 60_000
/**
 * Metrics reach the view (tiles, cards, charts, the header's counters) at most
 * this often. Hundreds of sources each send a sample a second: following every
 * one would re-render and repaint the page hundreds of times a second. The
 * first sample after a quiet spell shows at once; the rest wait for the next
 * clock tick, so one tick redraws everything that changed in that second.
 */
export const VIEW_REFRESH_MS = 1000

/** Times below are on the server's clock (epoch ms), estimated in the browser from heartbeats. */
export interface Seen<T> {
  data: T
  seenAt: number
}
export interface FeedItem<T> extends Seen<T> {
  /** Stable list key: the event id, or a local one for live-only events. */
  key: string
  /** Increases with arrival; lets a frozen list count what came after it. */
  seq: number
  /** Arrived on the stream while the page was open (not from a snapshot). */
  live?: boolean
}

type Fetcher = <T>(url: string, options?: { query?: Record<string, string | number | string[]> }) => Promise<T>

/** The stream as the header shows it (written by useDashboardStream). */
export interface ConnectionState {
  status: SseStatus
  attempt: number
  reason: string | null
  eventCount: number
}

/**
 * What the dashboard shows. The state starts from the server's snapshot (SSR
 * payload); the stream (composables/useDashboardStream.ts) feeds `receive`
 * from the snapshot's event id on, and `receive` drops what it already has,
 * so nothing is repeated or skipped. Components read through
 * useMetrics/useAlerts/useLogs/useHealth.
 */
export const useDashboardStore = defineStore('dashboard', () => {
  // State: serialised into the SSR payload, so the first client render equals the server's.
  // Maps, not objects: source and check names come from producers (`__proto__` is a valid one).
  const metrics = ref(new Map<string, Seen<Metric>>())
  const alerts = ref<FeedItem<Alert>[]>([])
  const logs = ref<FeedItem<LogLine>[]>([])
  const health = ref(new Map<string, Seen<Health>>())
  const lastEventId = ref<string | null>(null)
  const heartbeatMs = ref(15_000)
  const complete = ref(true)
  const loaded = ref(false)
  const loadError = ref<string | null>(null)
  /** Server clock, ticking once a second in the browser. */
  const now = ref(0)
  /** False until mounted: times render in UTC on the server and in the first client render. */
  const localTime = ref(false)
  const lastEventAt = ref<number | null>(null)
  const seq = ref(0)
  const connection = ref<ConnectionState>({ status: 'idle', attempt: 0, reason: null, eventCount: 0 })

  // Browser-only: chart data lives outside reactive state (large, not serialisable).
  const series = new MetricSeries(CHART_SPAN_MS / 1000)
  const seriesVersion = shallowRef(0)
  let clockOffset = 0
  /** When the view last followed the stream (Date.now()), and the newest event it has not seen yet. */
  let publishedAt = Number.NEGATIVE_INFINITY
  let unpublishedAt: number | null = null
  let publishTimer: ReturnType<typeof setTimeout> | undefined
  let snapshotId: string | null = null
  /** Bucket width of the history answer (wider than the base for a large fleet), and the sources since fetched at the base width. */
  const historyBucketMs = ref(HISTORY_BUCKET_MS)
  const detailed = new Set<string>()
  let ticker: ReturnType<typeof setInterval> | undefined
  let fetcher: Fetcher = (url, options) => $fetch(url, options) as never

  const serverNow = () => Date.now() + clockOffset

  function nextKey(id: string | undefined): { key: string, seq: number } {
    seq.value++
    return { key: id ?? `live-${seq.value}`, seq: seq.value }
  }

  function pushFeed<T>(list: FeedItem<T>[], item: FeedItem<T>, max: number): FeedItem<T>[] {
    const next = [item, ...list]
    if (next.length > max) next.length = max
    return next
  }

  function applySnapshot(snapshot: Snapshot, receivedAt: number): void {
    const takenAt = Date.parse(snapshot.takenAt)
    clockOffset = takenAt - receivedAt
    now.value = takenAt
    lastEventId.value = snapshot.lastEventId
    snapshotId = snapshot.lastEventId
    heartbeatMs.value = snapshot.heartbeatMs
    complete.value = snapshot.complete
    const seenAt = (timestamp: string) => Math.min(Date.parse(timestamp), takenAt)
    metrics.value = new Map(snapshot.metrics.map(m => [m.source, { data: m, seenAt: seenAt(m.timestamp) }]))
    health.value = new Map(snapshot.health.map(h => [healthKey(h), { data: h, seenAt: seenAt(h.timestamp) }]))
    forgetSilent(takenAt)
    alerts.value = snapshot.alerts.map(a => ({ ...nextKey(a.id), data: a.data, seenAt: seenAt(a.data.timestamp) }))
    logs.value = snapshot.logs.map(l => ({ ...nextKey(l.id), data: l.data, seenAt: seenAt(l.data.timestamp) }))
    for (const metric of snapshot.metrics) addPoint(metric)
    seriesVersion.value++
    loaded.value = true
    loadError.value = null
  }

  /** Loads the snapshot; on the server `fetch` should forward the request's cookies (useRequestFetch). */
  async function loadSnapshot(fetch: Fetcher = fetcher): Promise<void> {
    fetcher = fetch
    try {
      applySnapshot(await fetch<Snapshot>('/api/snapshot'), Date.now())
    }
    catch (error) {
      if (statusOf(error) === 401) throw error
      now.value = Date.now()
      loadError.value = 'snapshot unavailable'
    }
  }

  function forgetSilent(at: number): void {
    for (const map of [metrics.value, health.value]) {
      for (const [key, entry] of map) {
        if (at - entry.seenAt > FORGET_AFTER_MS) map.delete(key)
      }
    }
  }

  function healthKey(h: Health): string {
    return `${h.check}\n${h.source}`
  }

  function addPoint(metric: Metric): void {
    if (import.meta.server) return
    const values = Object.fromEntries(METRIC_FIELDS.map(field => [field, metric[field]])) as Record<MetricField, number>
    series.add({ source: metric.source, t: Date.parse(metric.timestamp), values })
  }

  /** Lets the view follow what arrived: the reactive counters move once for many events. */
  function publish(): void {
    clearTimeout(publishTimer)
    publishTimer = undefined
    if (unpublishedAt === null) return
    publishedAt = Date.now()
    lastEventAt.value = unpublishedAt
    unpublishedAt = null
    seriesVersion.value++
  }

  /** An event arrived: show it now after a quiet spell, otherwise with the next clock tick. */
  function arrived(seenAt: number): void {
    unpublishedAt = seenAt
    const since = Date.now() - publishedAt
    if (since >= VIEW_REFRESH_MS) return publish()
    // Without the clock (not started, or stopped) a timer stands in for the tick.
    if (!ticker && !publishTimer) publishTimer = setTimeout(publish, VIEW_REFRESH_MS - since)
  }

  function receive(name: string, data: unknown, id: string): void {
    if (name === 'heartbeat') {
      // The heartbeat carries the server clock: keep ours in step with it.
      if (typeof data === 'number') clockOffset = data - Date.now()
      return
    }
    // A reset is the stream's business (useDashboardStream reloads the snapshot).
    if (name === 'reset') return
    if (id) {
      if (!isAfterEventId(id, lastEventId.value)) return
      lastEventId.value = id
    }
    const seenAt = serverNow()
    switch (name) {
      case EVENT_NAMES.metrics: {
        const metric = data as Metric
        metrics.value.set(metric.source, { data: metric, seenAt })
        addPoint(metric)
        break
      }
      case EVENT_NAMES.alerts:
        alerts.value = pushFeed(alerts.value, { ...nextKey(id || undefined), data: data as Alert, seenAt, live: true }, MAX_ALERTS)
        break
      case EVENT_NAMES.logs:
        logs.value = pushFeed(logs.value, { ...nextKey(id || undefined), data: data as LogLine, seenAt, live: true }, MAX_LOGS)
        break
      case EVENT_NAMES.health: {
        const check = data as Health
        health.value.set(healthKey(check), { data: check, seenAt })
        break
      }
    }
    arrived(seenAt)
  }

  /**
   * After hydration only the state came from the server: the snapshot's id is
   * where both the stream and the chart history start from. Called before the
   * stream opens.
   */
  function takeHandoff(): void {
    snapshotId ??= lastEventId.value
  }

  /**
   * Chart history up to the snapshot's id (the stream brings everything
   * after it): older buckets as their extremes, the newest samples exact.
   */
  async function loadHistory(): Promise<void> {
    const query: Record<string, string | number> = { channel: 'metrics', since: Math.floor(serverNow() - CHART_SPAN_MS) }
    if (snapshotId) query.until = snapshotId
    try {
      const history = decodeHistory(await fetcher<HistoryWire>('/api/history', { query }))
      historyBucketMs.value = history.bucketMs
      addHistory(history)
    }
    catch {
      // The charts start from the live stream; history is a bonus, not a blocker.
    }
  }

  /**
   * A large fleet's history comes in wide buckets (the server keeps the
   * answer about 25 sources' size). A chart focused on a few sources asks for
   * theirs at full resolution, once each, and takes it up to where the page's
   * stream started: the seconds after are the stream's own samples.
   */
  async function loadSourceHistory(names: readonly string[]): Promise<void> {
    const wanted = names.filter(name => !detailed.has(name))
    if (historyBucketMs.value <= HISTORY_BUCKET_MS || wanted.length === 0) return
    for (const name of wanted) detailed.add(name)
    const handoffMs = snapshotId ? Number(snapshotId.split('-')[0]) + 1 : serverNow()
    try {
      const query = { channel: 'metrics', since: Math.floor(serverNow() - CHART_SPAN_MS), source: wanted }
      const history = decodeHistory(await fetcher<HistoryWire>('/api/history', { query }))
      addHistory(history, handoffMs)
    }
    catch {
      // Asked again on the next focus: the wide buckets stay meanwhile.
      for (const name of wanted) detailed.delete(name)
    }
  }

  /** Puts a history answer into the chart buffers, none of it at or after `endMs`. */
  function addHistory(history: ReducedHistory, endMs = Number.POSITIVE_INFINITY): void {
    for (const [source, samples] of history.sources) {
      for (const point of historyPoints(history, samples)) {
        if (point.t < endMs) series.addSpan({ source, ...point }, Math.min(point.span, endMs - point.t))
      }
    }
    seriesVersion.value++
  }

  /** Browser only: starts the server clock, ticking once a second. */
  function startClock(): void {
    if (import.meta.server || ticker) return
    clockOffset = now.value - Date.now()
    localTime.value = true
    ticker = setInterval(() => {
      now.value = serverNow()
      series.trim(now.value)
      forgetSilent(now.value)
      publish()
    }, 1000)
  }

  function stopClock(): void {
    clearInterval(ticker)
    ticker = undefined
    publish()
  }

  return {
    metrics, alerts, logs, health, lastEventId, heartbeatMs, complete, loaded, loadError, now, localTime, lastEventAt, seq,
    connection, seriesVersion, historyBucketMs,
    /** The chart buffers (browser only, not reactive: `seriesVersion` says when they changed). */
    chart: () => series,
    loadSnapshot, applySnapshot, receive, takeHandoff, loadHistory, loadSourceHistory, startClock, stopClock,
  }
})
