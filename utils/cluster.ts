import type { Metric, MetricField } from '#shared/events'
import type { MetricSpec } from './metric-levels'

/**
 * One number for the whole cluster from the sources that are live:
 * - `sum` for throughput and connections (they add up);
 * - `max` for CPU and memory (the hottest instance is the one in trouble;
 *   a mean would hide it);
 * - `weighted` for the error rate: failed requests over all requests, so an
 *   idle instance's 100 % of 2 requests does not dominate. With no traffic
 *   anywhere it falls back to the highest rate.
 */
export function clusterValue(spec: MetricSpec, metrics: readonly Metric[]): number | null {
  // Values outside the schema (an old log, a producer on an older version)
  // are left out rather than turning the card into "Infinity/s" or "NaN%".
  const counted = metrics.filter(metric => Number.isFinite(metric[spec.field]) && Number.isFinite(metric.rps))
  if (counted.length === 0) return null
  const values = counted.map(metric => metric[spec.field as MetricField])
  return finiteOrNull(aggregate(spec, counted, values))
}

function aggregate(spec: MetricSpec, metrics: readonly Metric[], values: number[]): number {
  switch (spec.aggregate) {
    case 'sum':
      return values.reduce((sum, value) => sum + value, 0)
    case 'max':
      return Math.max(...values)
    case 'weighted': {
      // Weights relative to the busiest source (each at most 1), so a sum of
      // huge request rates cannot overflow into Infinity / Infinity.
      const busiest = Math.max(...metrics.map(metric => metric.rps))
      if (!(busiest > 0)) return Math.max(...values)
      let weighted = 0
      let weights = 0
      for (const metric of metrics) {
        const weight = Math.max(0, metric.rps) / busiest
        weighted += metric[spec.field] * weight
        weights += weight
      }
      return weighted / weights
    }
  }
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null
}
