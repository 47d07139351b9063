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
  if (metrics.length === 0) return null
  const values = metrics.map(metric => metric[spec.field as MetricField])
  switch (spec.aggregate) {
    case 'sum':
      return values.reduce((sum, value) => sum + value, 0)
    case 'max':
      return Math.max(...values)
    case 'weighted': {
      const requests = metrics.reduce((sum, metric) => sum + metric.rps, 0)
      if (requests === 0) return Math.max(...values)
      return metrics.reduce((sum, metric) => sum + metric[spec.field] * metric.rps, 0) / requests
    }
  }
}
