import type { AlertInput, Metric } from '../../../shared/events'

export interface AlertThresholds {
  cpuPercent: number
  memoryPercent: number
  errorRatePercent: number
  /** Clear once the value is below threshold × clearRatio (hysteresis). */
  clearRatio: number
}

type Watched = 'cpu' | 'memory' | 'errorRate'

const LABELS: Record<Watched, string> = { cpu: 'CPU', memory: 'Memory', errorRate: 'Error rate' }

/**
 * Turns a stream of metric samples into alerts that fire when a condition
 * starts and when it clears, never once per sample while it lasts. State is
 * per source so several instances' metrics can go through one evaluator.
 */
export function createAlertEvaluator(thresholds: AlertThresholds) {
  const limits: Record<Watched, number> = {
    cpu: thresholds.cpuPercent,
    memory: thresholds.memoryPercent,
    errorRate: thresholds.errorRatePercent,
  }
  const active = new Map<string, Set<Watched>>()

  return function evaluate(metric: Pick<Metric, Watched | 'source'>): AlertInput[] {
    let firing = active.get(metric.source)
    if (!firing) active.set(metric.source, firing = new Set())
    const alerts: AlertInput[] = []
    for (const key of Object.keys(limits) as Watched[]) {
      const value = metric[key]
      const limit = limits[key]
      if (!firing.has(key) && value > limit) {
        firing.add(key)
        alerts.push({ level: 'critical', source: metric.source, message: `${LABELS[key]} at ${value}% is above ${limit}%` })
      }
      else if (firing.has(key) && value < limit * thresholds.clearRatio) {
        firing.delete(key)
        alerts.push({ level: 'info', source: metric.source, message: `${LABELS[key]} back to ${value}% (below ${limit}%)` })
      }
    }
    return alerts
  }
}
