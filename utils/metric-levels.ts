import type { MetricField } from '#shared/channels'

/** How a value should read at a glance. `neutral` has no good/bad meaning (throughput). */
export type Tone = 'ok' | 'warn' | 'critical' | 'neutral'

export interface MetricSpec {
  field: MetricField
  label: string
  unit: '%' | '/s' | ''
  /** Values at or above these read as warning / critical; null for none. */
  warnAt: number | null
  criticalAt: number | null
  /** Draw a 0–100 bar under the value. */
  bar: boolean
  /** How the cluster value is made from the sources (said in the UI). */
  aggregate: 'max' | 'sum' | 'weighted'
  decimals: number
}

/**
 * The dashboard's metrics in display order, with the colour rules
 * below: CPU orange above 60 % and red above 80 %, memory at 70/85 %,
 * error rate red above 1 %.
 */
export const METRIC_SPECS: readonly MetricSpec[] = [
  { field: 'cpu', label: 'CPU', unit: '%', warnAt: 60, criticalAt: 80, bar: true, aggregate: 'max', decimals: 1 },
  { field: 'memory', label: 'Memory', unit: '%', warnAt: 70, criticalAt: 85, bar: true, aggregate: 'max', decimals: 1 },
  { field: 'rps', label: 'Requests/s', unit: '/s', warnAt: null, criticalAt: null, bar: false, aggregate: 'sum', decimals: 0 },
  { field: 'activeConnections', label: 'Active connections', unit: '', warnAt: null, criticalAt: null, bar: false, aggregate: 'sum', decimals: 0 },
  { field: 'errorRate', label: 'Error rate', unit: '%', warnAt: null, criticalAt: 1, bar: false, aggregate: 'weighted', decimals: 2 },
]

export function metricSpec(field: MetricField): MetricSpec {
  return METRIC_SPECS.find(spec => spec.field === field)!
}

/** "Above 80 %" is critical: a value exactly at a threshold is still the lower tone. */
export function toneOf(spec: MetricSpec, value: number | null): Tone {
  if (value === null) return 'neutral'
  if (spec.criticalAt !== null && value > spec.criticalAt) return 'critical'
  if (spec.warnAt !== null && value > spec.warnAt) return 'warn'
  return spec.criticalAt === null && spec.warnAt === null ? 'neutral' : 'ok'
}

/** Words for the aggregate, shown under each cluster value: which sources count, and how. */
export function aggregateLabel(spec: MetricSpec, live: number, stale = 0): string {
  const of = `${live} live ${live === 1 ? 'source' : 'sources'}${stale ? ` (${stale} stale left out)` : ''}`
  if (spec.aggregate === 'sum') return `sum of ${of}`
  if (spec.aggregate === 'max') return `highest of ${of}`
  return `of all requests, ${of}`
}
