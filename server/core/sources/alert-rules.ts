import { createHash } from 'node:crypto'
import type { AlertInput, MetricField } from '../../../shared/events'
import type { AlertRule } from '../alerts/rules'
import { breaches, cleared, sourceMatcher } from '../alerts/rules'

/** One metric sample as the rules see it, from any instance or collector. */
export interface RuleSample {
  source: string
  /** Machine the sample describes; host-scoped rules track it instead of the source. */
  host?: string
  timestamp: string
  values: Record<MetricField, number>
  /** Durable log id; absent for raw `PUBLISH` samples. */
  id?: string
}

export interface AlertTransition {
  rule: AlertRule
  kind: 'fired' | 'cleared'
  /** The host (host-scoped rules) or source whose condition changed. */
  subject: string
  alert: Required<Pick<AlertInput, 'level' | 'message' | 'source' | 'timestamp'>>
  /**
   * The same on every instance that sees the same samples: a digest of the
   * rule, subject, transition and the sample that caused it (its log id, or
   * for raw samples, which have none, its source and timestamp).
   */
  idempotencyKey: string
}

export interface EvaluatorOptions {
  /** At most this many sources (and as many hosts) are tracked; the least recently seen go first. */
  maxTracked: number
  /** A source or host silent this long is forgotten, with its streaks and firing alerts. */
  forgetAfterMs: number
  /** A host-scoped state follows one reporting source; another takes over once it is silent this long (sample time). */
  handoverMs?: number
  now?: () => number
}

interface RuleState { firing: boolean, streak: number }
interface Subject {
  lastSeenMs: number
  /** Host scope: the source whose samples drive this host's state. */
  reporter?: string
  reporterTimeMs?: number
  rules: Map<string, RuleState>
}

const LABELS: Record<MetricField, string> = { cpu: 'CPU', memory: 'Memory', rps: 'Requests/s', activeConnections: 'Open streams', errorRate: 'Error rate' }
const UNITS: Record<MetricField, string> = { cpu: '%', memory: '%', rps: '', activeConnections: '', errorRate: '%' }
const WORDS = { '>': 'above', '>=': 'at or above', '<': 'below', '<=': 'at or below' } as const
const HOST_SUBJECT = / on host (.+) \(reported by /
const RULE_TAG = / \[([\w.-]{1,64})\]$/

/**
 * Reads back a transition from a published alert: which rule, whose state and
 * whether it fired or cleared. Null for alerts the rules did not write.
 */
export function parseTransition(alert: { level?: unknown, message?: unknown, source?: unknown }): { rule: string, subject: string, firing: boolean } | null {
  if (typeof alert.message !== 'string' || typeof alert.source !== 'string') return null
  const rule = RULE_TAG.exec(alert.message)?.[1]
  if (!rule) return null
  const subject = HOST_SUBJECT.exec(alert.message)?.[1] ?? alert.source
  return { rule, subject, firing: alert.level !== 'info' }
}

/**
 * Turns metric samples from every source into alert transitions: an alert
 * fires when its condition held for `holdSamples` samples in a row and
 * clears once the value is back beyond the clear level, never once per
 * sample while it lasts. Given the same samples in the same order, every
 * instance computes the same transitions with the same keys, so a cluster
 * publishes each once (README "Alert rules").
 */
export function createAlertEvaluator(rules: readonly AlertRule[], options: EvaluatorOptions) {
  const { maxTracked, forgetAfterMs, handoverMs = 5000, now = Date.now } = options
  const compiled = rules.map(rule => ({ rule, matches: sourceMatcher(rule.source) }))
  // Insertion order is recency order: a touched subject is moved to the end.
  const subjects = new Map<string, Subject>()
  let evicted = 0

  function touch(key: string, at: number): Subject {
    let subject = subjects.get(key)
    if (subject) subjects.delete(key)
    else subject = { lastSeenMs: at, rules: new Map() }
    subject.lastSeenMs = at
    subjects.set(key, subject)
    return subject
  }

  function forgetSilent(at: number): void {
    for (const [key, subject] of subjects) {
      if (at - subject.lastSeenMs < forgetAfterMs && subjects.size <= 2 * maxTracked) break
      subjects.delete(key)
      if (at - subject.lastSeenMs < forgetAfterMs) evicted++
    }
  }

  function evaluate(sample: RuleSample): AlertTransition[] {
    const at = now()
    const sampleTimeMs = Date.parse(sample.timestamp)
    const transitions: AlertTransition[] = []
    const seen = new Map<string, Subject | null>()
    for (const { rule, matches } of compiled) {
      if (!matches(sample.source)) continue
      const subjectName = rule.scope === 'host' ? (sample.host ?? sample.source) : sample.source
      const key = `${rule.scope}:${subjectName}`
      let subject = seen.get(key)
      if (subject === undefined) {
        subject = touch(key, at)
        if (rule.scope === 'host' && !follows(subject, sample.source, sampleTimeMs)) subject = null
        seen.set(key, subject)
      }
      if (subject === null) continue
      if (rule.minRps !== undefined && sample.values.rps < rule.minRps) continue
      const value = sample.values[rule.metric]
      let state = subject.rules.get(rule.name)
      if (!state) subject.rules.set(rule.name, state = { firing: false, streak: 0 })
      if (!state.firing) {
        state.streak = breaches(rule, value) ? state.streak + 1 : 0
        if (state.streak >= rule.holdSamples) {
          state.firing = true
          transitions.push(transition(rule, 'fired', subjectName, sample, value))
        }
      }
      else if (cleared(rule, value)) {
        state.firing = false
        state.streak = 0
        transitions.push(transition(rule, 'cleared', subjectName, sample, value))
      }
    }
    forgetSilent(at)
    return transitions
  }

  /** Host scope: one reporting source at a time, so two instances on one host count as one. */
  function follows(subject: Subject, source: string, sampleTimeMs: number): boolean {
    const silent = subject.reporterTimeMs === undefined || !(sampleTimeMs - subject.reporterTimeMs < handoverMs)
    if (subject.reporter !== source && !silent) return false
    subject.reporter = source
    subject.reporterTimeMs = sampleTimeMs
    return true
  }

  /**
   * Takes over a transition another instance published (or this one did
   * before it restarted): an instance that missed the start of a condition
   * must not fire it again with a key of its own.
   */
  function restore(ruleName: string, subjectName: string, firing: boolean): void {
    const rule = rules.find(r => r.name === ruleName)
    if (!rule) return
    const subject = touch(`${rule.scope}:${subjectName}`, now())
    subject.rules.set(rule.name, { firing, streak: 0 })
  }

  return Object.assign(evaluate, {
    restore,
    /** Sources and hosts currently tracked. */
    tracked: () => subjects.size,
    /** Subjects dropped while still active because the bound was reached. */
    evicted: () => evicted,
  })
}

export type AlertEvaluator = ReturnType<typeof createAlertEvaluator>

function transition(rule: AlertRule, kind: AlertTransition['kind'], subject: string, sample: RuleSample, value: number): AlertTransition {
  const label = LABELS[rule.metric]
  const unit = UNITS[rule.metric]
  const show = (n: number) => `${Math.round(n * 10) / 10}${unit}`
  const where = rule.scope === 'host' ? `on host ${subject} (reported by ${sample.source})` : `on ${sample.source}`
  const message = kind === 'fired'
    ? `${label} at ${show(value)} is ${WORDS[rule.comparison]} ${show(rule.threshold)} ${where} for ${rule.holdSamples} sample${rule.holdSamples === 1 ? '' : 's'} [${rule.name}]`
    : `${label} back to ${show(value)} ${where}: ${rule.comparison.startsWith('>') ? 'below' : 'above'} the clear level ${show(rule.clear)} [${rule.name}]`
  const sampleRef = sample.id ?? `raw:${sample.source}:${sample.timestamp}`
  const digest = createHash('sha256').update(JSON.stringify([rule.name, rule.scope, subject, kind, sampleRef])).digest('hex')
  return {
    rule,
    kind,
    subject,
    alert: { level: kind === 'fired' ? rule.level : 'info', message, source: sample.source, timestamp: sample.timestamp },
    idempotencyKey: `alert-${digest}`,
  }
}
