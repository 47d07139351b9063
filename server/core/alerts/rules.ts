import type { MetricField } from '../../../shared/events'

/** `>`/`>=` rules watch for too much, `<`/`<=` for too little. */
export type Comparison = '>' | '>=' | '<' | '<='

/**
 * Whose condition a rule tracks: `source` (one state per instance or collector)
 * or `host` (one state per machine, for measurements of the machine itself
 * such as CPU and memory, so two instances on one host raise one alert).
 */
export type RuleScope = 'source' | 'host'

export type WebhookFormat = 'json' | 'slack'

export interface WebhookTarget {
  url: string
  format: WebhookFormat
}

export interface AlertRule {
  /** Unique; part of each transition's idempotency key. */
  name: string
  metric: MetricField
  comparison: Comparison
  threshold: number
  /** Consecutive samples past the threshold before the alert fires. */
  holdSamples: number
  /** The alert clears once the value is back beyond this level (hysteresis). */
  clear: number
  level: 'warning' | 'critical'
  scope: RuleScope
  /** Glob on the metric's `source` (`*` matches any run of characters); absent: every source. */
  source?: string
  /** Samples with fewer requests per second are skipped (an error rate of 1 in 3 says nothing). */
  minRps?: number
  /** Where this rule's transitions are sent, in addition to the global webhook. */
  webhook?: WebhookTarget
}

export interface DefaultRuleSettings {
  cpuPercent: number
  memoryPercent: number
  errorRatePercent: number
  clearRatio: number
  forSamples: number
}

/** Below this many requests in a one-second sample, its error rate says nothing. */
export const MIN_REQUESTS_FOR_ERROR_RATE = 10

/** The clear level a rule gets when it names none: threshold × ratio towards "normal". */
export function defaultClearLevel(comparison: Comparison, threshold: number, clearRatio: number): number {
  return comparison.startsWith('>') ? threshold * clearRatio : threshold / clearRatio
}

/** The three rules set by the `NUXT_ALERT_*` variables, used when no rules file is given. */
export function defaultRules(settings: DefaultRuleSettings): AlertRule[] {
  const rule = (name: string, metric: MetricField, threshold: number, scope: RuleScope, extra: Partial<AlertRule> = {}): AlertRule => ({
    name,
    metric,
    comparison: '>',
    threshold,
    holdSamples: settings.forSamples,
    clear: defaultClearLevel('>', threshold, settings.clearRatio),
    level: 'critical',
    scope,
    ...extra,
  })
  return [
    rule('cpu-high', 'cpu', settings.cpuPercent, 'host'),
    rule('memory-high', 'memory', settings.memoryPercent, 'host'),
    rule('error-rate-high', 'errorRate', settings.errorRatePercent, 'source', { minRps: MIN_REQUESTS_FOR_ERROR_RATE }),
  ]
}

/** True when the value is past the rule's threshold. */
export function breaches(rule: AlertRule, value: number): boolean {
  switch (rule.comparison) {
    case '>': return value > rule.threshold
    case '>=': return value >= rule.threshold
    case '<': return value < rule.threshold
    case '<=': return value <= rule.threshold
  }
}

/** True when a firing rule's value is back beyond its clear level. */
export function cleared(rule: AlertRule, value: number): boolean {
  return rule.comparison.startsWith('>') ? value < rule.clear : value > rule.clear
}

/** Compiles a `source` glob (`*` = any run of characters, everything else literal). */
export function sourceMatcher(pattern: string | undefined): (source: string) => boolean {
  if (pattern === undefined) return () => true
  const escaped = pattern.split('*').map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')
  const regex = new RegExp(`^${escaped}$`)
  return source => regex.test(source)
}
