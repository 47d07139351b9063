import type { Metric, MetricField } from '#shared/events'
import type { Tone } from './metric-levels'
import { METRIC_SPECS, toneOf } from './metric-levels'
import { compareNatural } from './natural-order'

/** A source silent this long is stale: its numbers are no longer current (the store's STALE_AFTER_MS). */
export const SOURCE_STALE_AFTER_MS = 3000
/** A source silent this long is gone (stopped, scaled down, renamed) until it is forgotten. */
export const SOURCE_GONE_AFTER_MS = 60_000

/**
 * What one source's tile says, most urgent first:
 * `critical` and `warn` from its worst metric, then `stale` (a collector that
 * went quiet is a problem to look at), `ok`, and `gone` last (usually on purpose).
 */
export type SourceState = 'critical' | 'warn' | 'stale' | 'ok' | 'gone'
export const SOURCE_STATES: readonly SourceState[] = ['critical', 'warn', 'stale', 'ok', 'gone']

export interface SourceStatus {
  source: string
  state: SourceState
  /** Milliseconds since the source's last sample. */
  age: number
  metric: Metric
  /** The metric that decided the level (the worst one); null when all read normal. */
  worst: { field: MetricField, value: number, tone: Tone } | null
}

const TONE_RANK: Record<Tone, number> = { critical: 0, warn: 1, ok: 2, neutral: 3 }

/** The source's worst metric by tone; ties keep the display order of the metrics. */
export function worstMetric(metric: Metric): SourceStatus['worst'] {
  let worst: SourceStatus['worst'] = null
  for (const spec of METRIC_SPECS) {
    const tone = toneOf(spec, metric[spec.field])
    if (tone !== 'critical' && tone !== 'warn') continue
    if (!worst || TONE_RANK[tone] < TONE_RANK[worst.tone]) worst = { field: spec.field, value: metric[spec.field], tone }
  }
  return worst
}

export function sourceStatus(metric: Metric, age: number): SourceStatus {
  const worst = worstMetric(metric)
  let state: SourceState
  if (age > SOURCE_GONE_AFTER_MS) state = 'gone'
  else if (age > SOURCE_STALE_AFTER_MS) state = 'stale'
  else state = worst?.tone === 'critical' ? 'critical' : worst?.tone === 'warn' ? 'warn' : 'ok'
  return { source: metric.source, state, age, metric, worst: state === 'stale' || state === 'gone' ? null : worst }
}

/** Severity first, then natural name order (host-2 before host-10). */
export function compareBySeverity(a: SourceStatus, b: SourceStatus): number {
  return SOURCE_STATES.indexOf(a.state) - SOURCE_STATES.indexOf(b.state) || compareNatural(a.source, b.source)
}

/** Every source's status from its latest sample, worst first. */
export function fleetStatus(latest: Iterable<{ metric: Metric, seenAt: number }>, now: number): SourceStatus[] {
  const statuses: SourceStatus[] = []
  for (const { metric, seenAt } of latest) statuses.push(sourceStatus(metric, now - seenAt))
  return statuses.sort(compareBySeverity)
}

export type StateCounts = Record<SourceState, number>

export function countStates(statuses: readonly SourceStatus[]): StateCounts {
  const counts: StateCounts = { critical: 0, warn: 0, stale: 0, ok: 0, gone: 0 }
  for (const status of statuses) counts[status.state]++
  return counts
}
