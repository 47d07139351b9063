import type { Metric } from '../../shared/events'
import type { MetricColumns, MetricHistory } from '../../shared/snapshot'
import type { Broker } from './broker/types'
import { compareEventIds, formatEventId, ORIGIN_ID, parseEventId } from './broker/event-id'

export interface HistoryLimits {
  /** Most samples answered in one response. */
  maxSamples: number
  /** Events per `range` page (the log holds every channel, so most pages are mostly metrics). */
  pageSize: number
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = { maxSamples: 40_000, pageSize: 2000 }

function emptyColumns(): MetricColumns {
  return { t: [], cpu: [], memory: [], rps: [], activeConnections: [], errorRate: [] }
}

/**
 * Retained metric samples from `since` (epoch ms, by log time) up to the
 * event `until` (inclusive; default: the newest event), one column set per
 * source, oldest first. The dashboard asks for history up to the id of its
 * snapshot and takes everything after that id from the stream, so the two
 * meet without overlap.
 */
export async function readMetricHistory(
  broker: Pick<Broker, 'range' | 'lastId'>,
  since: number,
  until: string | null,
  limits: HistoryLimits = DEFAULT_HISTORY_LIMITS,
): Promise<MetricHistory> {
  const to = until ?? await broker.lastId()
  // No prototype: source names come from producers (`__proto__` is a valid one).
  const sources = Object.create(null) as Record<string, MetricColumns>
  const history: MetricHistory = { channel: 'metrics', since, until: to, truncated: false, sources }
  if (to === ORIGIN_ID) return history
  let from = `${since}-0`
  let samples = 0
  while (compareEventIds(from, to) <= 0) {
    const page = await broker.range(from, to, limits.pageSize)
    for (const message of page) {
      if (message.channel !== 'metrics') continue
      if (samples >= limits.maxSamples) {
        history.truncated = true
        return history
      }
      append(history.sources, JSON.parse(message.json) as Metric)
      samples++
    }
    const last = page.at(-1)?.id
    if (!last) break
    const { ms, seq } = parseEventId(last)!
    from = formatEventId({ ms, seq: seq + 1 })
  }
  return history
}

function append(sources: Record<string, MetricColumns>, metric: Metric): void {
  const columns = sources[metric.source] ??= emptyColumns()
  columns.t.push(Date.parse(metric.timestamp))
  columns.cpu.push(metric.cpu)
  columns.memory.push(metric.memory)
  columns.rps.push(metric.rps)
  columns.activeConnections.push(metric.activeConnections)
  columns.errorRate.push(metric.errorRate)
}
