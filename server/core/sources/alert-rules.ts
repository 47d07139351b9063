import type { AlertInput, Metric } from '../../../shared/events'

export interface AlertThresholds {
  cpuPercent: number
  memoryPercent: number
  errorRatePercent: number
  /** Clear once the value is below threshold × clearRatio (hysteresis). */
  clearRatio: number
  /** Consecutive samples above the threshold before an alert fires (a 1 s spike is not an incident). */
  forSamples: number
}

/** Below this many requests in a sample, its error rate says nothing (1 failure in 3 is not 33 %). */
export const MIN_REQUESTS_FOR_ERROR_RATE = 10

type Watched = 'cpu' | 'memory' | 'errorRate'

const LABELS: Record<Watched, string> = { cpu: 'CPU', memory: 'Memory', errorRate: 'Error rate' }

export type AlertSample = Pick<Metric, Watched | 'source'> & {
  /** Requests behind `errorRate`; when given and too few, the error-rate rule waits. */
  requests?: number
}

interface RuleState { firing: boolean, streak: number }

/**
 * Turns a stream of metric samples into alerts that fire when a condition
 * has lasted `forSamples` samples and when it clears, never once per sample
 * while it lasts. State is per source, so several instances' metrics can go
 * through one evaluator.
 */
export function createAlertEvaluator(thresholds: AlertThresholds) {
  const limits: Record<Watched, number> = {
    cpu: thresholds.cpuPercent,
    memory: thresholds.memoryPercent,
    errorRate: thresholds.errorRatePercent,
  }
  const states = new Map<string, Record<Watched, RuleState>>()

  return function evaluate(sample: AlertSample): AlertInput[] {
    let state = states.get(sample.source)
    if (!state) {
      state = { cpu: { firing: false, streak: 0 }, memory: { firing: false, streak: 0 }, errorRate: { firing: false, streak: 0 } }
      states.set(sample.source, state)
    }
    const alerts: AlertInput[] = []
    for (const key of Object.keys(limits) as Watched[]) {
      if (key === 'errorRate' && sample.requests !== undefined && sample.requests < MIN_REQUESTS_FOR_ERROR_RATE) continue
      const rule = state[key]
      const value = sample[key]
      const limit = limits[key]
      if (!rule.firing) {
        rule.streak = value > limit ? rule.streak + 1 : 0
        if (rule.streak >= thresholds.forSamples) {
          rule.firing = true
          alerts.push({ level: 'critical', source: sample.source, message: `${LABELS[key]} at ${value}% is above ${limit}%` })
        }
      }
      else if (value < limit * thresholds.clearRatio) {
        rule.firing = false
        rule.streak = 0
        alerts.push({ level: 'info', source: sample.source, message: `${LABELS[key]} back to ${value}% (below ${limit}%)` })
      }
    }
    return alerts
  }
}
