import type { Channel, MetricField } from '../../../shared/events'
import { CHANNELS, isChannel, METRIC_FIELDS } from '../../../shared/events'

/** What one client wants: channels, and which metric fields (README, Endpoints). */
export interface ClientFilter {
  channels: ReadonlySet<Channel>
  /** Sorted field list, or null for every field. */
  metricFields: readonly MetricField[] | null
  /** Identifies the projection, so frames are shared by clients with the same one. */
  projectionKey: string
}

export const MAX_FILTER_LENGTH = 256

export type FilterResult = { ok: true, filter: ClientFilter } | { ok: false, error: string }

function splitList(raw: string): string[] {
  return raw.split(',').map(item => item.trim()).filter(Boolean)
}

export function parseFilter(channelsParam: unknown, metricsParam: unknown): FilterResult {
  for (const [name, value] of [['channels', channelsParam], ['metrics', metricsParam]] as const) {
    if (value !== undefined && typeof value !== 'string') return { ok: false, error: `\`${name}\` must be given once` }
    if (typeof value === 'string' && value.length > MAX_FILTER_LENGTH) return { ok: false, error: `\`${name}\` is too long` }
  }
  let channels: Set<Channel> = new Set(CHANNELS)
  if (typeof channelsParam === 'string') {
    const requested = splitList(channelsParam)
    const unknown = requested.find(item => !isChannel(item))
    if (unknown !== undefined || requested.length === 0) {
      return { ok: false, error: `unknown channel in \`channels\`; expected some of ${CHANNELS.join(', ')}` }
    }
    channels = new Set(requested as Channel[])
  }
  let metricFields: MetricField[] | null = null
  if (typeof metricsParam === 'string') {
    const requested = splitList(metricsParam)
    const known = METRIC_FIELDS as readonly string[]
    if (requested.length === 0 || requested.some(item => !known.includes(item))) {
      return { ok: false, error: `unknown field in \`metrics\`; expected some of ${METRIC_FIELDS.join(', ')}` }
    }
    metricFields = METRIC_FIELDS.filter(field => requested.includes(field))
    if (metricFields.length === METRIC_FIELDS.length) metricFields = null
  }
  return { ok: true, filter: { channels, metricFields, projectionKey: metricFields?.join(',') ?? '' } }
}

const sharedFilters = new Map<string, ClientFilter>()

/**
 * One instance per distinct filter, shared by every stream that asks for it.
 * Filters are read-only and there are at most 15 channel sets × 32 field sets
 * of them, so streams hold a shared object instead of their own Set (~200 B
 * each); the first instance seen for a filter becomes the shared one.
 */
export function shareFilter(filter: ClientFilter): ClientFilter {
  const key = `${CHANNELS.filter(channel => filter.channels.has(channel)).join(',')}|${filter.projectionKey}`
  const shared = sharedFilters.get(key)
  if (shared) return shared
  sharedFilters.set(key, filter)
  return filter
}

/** Keeps only the requested metric fields, plus what identifies the sample. */
export function projectMetric(metric: Record<string, unknown>, fields: readonly MetricField[] | null): Record<string, unknown> {
  if (!fields) return metric
  const out: Record<string, unknown> = { source: metric.source }
  for (const field of fields) out[field] = metric[field]
  out.timestamp = metric.timestamp
  return out
}
