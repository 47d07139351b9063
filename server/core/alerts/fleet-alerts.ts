import type { MetricField } from '../../../shared/events'
import { METRIC_FIELDS } from '../../../shared/events'
import type { BrokerMessage } from '../broker/types'
import type { ReadLogWindow } from '../log-window'
import { compareEventIds, ORIGIN_ID } from '../broker/event-id'
import { IdempotencyConflictError } from '../broker/errors'
import type { Logger } from '../logger'
import { normalizePayload } from '../payload'
import type { AlertTransition, EvaluatorOptions, RuleSample } from '../sources/alert-rules'
import { createAlertEvaluator, parseTransition } from '../sources/alert-rules'
import type { AlertRule, WebhookTarget } from './rules'
import type { WebhookNotifier } from './webhook-notifier'

/**
 * Publishes one alert under an idempotency key. `replayed` is true when some
 * instance already published under that key (nothing was published again).
 */
export type PublishAlert = (json: string, idempotencyKey: string) => Promise<{ replayed: boolean }>

export interface AlertCounts {
  /** Transitions this instance published first. */
  published: number
  /** Transitions another instance had already published. */
  replayed: number
  /** Transitions this instance could not publish (broker away, refused). */
  publishFailed: number
}

export interface FleetAlertOptions extends EvaluatorOptions {
  rules: readonly AlertRule[]
  /** Receives every rule's transitions (besides each rule's own webhook). */
  webhook?: WebhookTarget
  publish: PublishAlert
  notifier: WebhookNotifier
  logger: Logger
}

/**
 * Alert rules for the whole fleet. Every instance evaluates every metric
 * sample it receives (its own, other instances', collectors' durable and raw
 * ones) and publishes each transition under a key derived from the sample,
 * so the cluster's log holds it once; only the instance whose publish was
 * the first one sends the webhook (README "Alert rules").
 */
export function createFleetAlerts(options: FleetAlertOptions) {
  const { rules, webhook, publish, notifier, logger } = options
  const evaluate = createAlertEvaluator(rules, options)
  const counts: AlertCounts = { published: 0, replayed: 0, publishFailed: 0 }

  async function emit(transition: AlertTransition): Promise<void> {
    // Source and timestamp come from the sample: every instance builds the same bytes for the same key.
    const normalized = normalizePayload('alerts', transition.alert, { source: transition.alert.source, timeMs: Date.now() })
    if (!normalized.ok) {
      logger.error(`alert not published: ${normalized.error}`)
      counts.publishFailed++
      return
    }
    let replayed: boolean
    try {
      ({ replayed } = await publish(normalized.json, transition.idempotencyKey))
    }
    catch (error) {
      // Same key, other bytes: another instance (of another version) published it first.
      if (error instanceof IdempotencyConflictError) replayed = true
      else {
        counts.publishFailed++
        logger.warn(`alert not published: ${(error as Error).message}`)
        return
      }
    }
    if (replayed) {
      counts.replayed++
      return
    }
    counts.published++
    const targets = [transition.rule.webhook, webhook].filter((target, i, all): target is WebhookTarget =>
      target !== undefined && all.findIndex(other => other?.url === target.url) === i)
    notifier.notify(targets, transition)
  }

  /**
   * `replaying`: a message from the retained log read at start. Its samples
   * only bring this instance's streaks to where the others' are (the others
   * published whatever they caused), so the next live sample yields the same
   * transition under the same key on every instance.
   */
  function handle(message: BrokerMessage, replaying = false): void {
    if (message.channel === 'alerts') {
      const published = parseJson(message.json)
      const transition = published && parseTransition(published)
      if (transition) evaluate.restore(transition.rule, transition.subject, transition.firing)
      return
    }
    if (message.channel !== 'metrics') return
    const sample = toSample(message)
    if (!sample) return
    const transitions = evaluate(sample)
    if (!replaying) for (const transition of transitions) void emit(transition)
  }

  /** Messages received while the retained alerts are read; null once live. */
  let held: BrokerMessage[] | null = null
  let heldDropped = 0

  return {
    counts,
    evaluator: evaluate,
    /**
     * Feed for `hub.onMessage`: evaluates metric samples, and takes over the
     * state of every transition published (by any instance), so an instance
     * that saw a condition start later than the others does not fire it again.
     */
    observe(message: BrokerMessage): void {
      if (!held) return handle(message)
      if (held.length < MAX_HELD) held.push(message)
      else heldDropped++
    },
    /**
     * At start: replay the retained log (samples and the transitions they
     * caused), holding live messages meanwhile (then handled in order), so a
     * restarted instance does not fire again what fired before it started,
     * and one started while a condition builds up fires it on the same
     * sample, under the same key, as the instances that saw it from the start.
     */
    async prime(readWindow: ReadLogWindow, sinceMs: number): Promise<number> {
      held = []
      let restored = 0
      let readUpTo = ORIGIN_ID
      try {
        readUpTo = await readWindow(`${sinceMs}-0`, (message) => {
          handle(message, true)
          if (message.channel === 'alerts') restored++
        })
      }
      catch (error) {
        logger.warn(`firing alerts not read from the log (${(error as Error).message}); a condition that fired before this instance started may fire again`)
      }
      const pending = held
      held = null
      // Held durable messages the read already covered are not evaluated twice.
      for (const message of pending) {
        if (message.id === undefined || compareEventIds(message.id, readUpTo) > 0) handle(message)
      }
      if (heldDropped) logger.warn(`${heldDropped} messages arrived faster than the log could be read at start and were not evaluated`)
      return restored
    },
  }
}

/** Live messages held while the log is read at start (a few seconds of a busy cluster). */
const MAX_HELD = 50_000

function parseJson(json: string): Record<string, unknown> | null {
  try {
    return JSON.parse(json) as Record<string, unknown>
  }
  catch {
    return null
  }
}

export type FleetAlerts = ReturnType<typeof createFleetAlerts>

/** The hub hands over validated, normalised JSON: every field is present and of the right type. */
function toSample(message: BrokerMessage): RuleSample | null {
  const data = parseJson(message.json)
  if (!data) return null
  const values = {} as Record<MetricField, number>
  for (const field of METRIC_FIELDS) {
    const value = data[field]
    if (typeof value !== 'number') return null
    values[field] = value
  }
  if (typeof data.source !== 'string' || typeof data.timestamp !== 'string') return null
  return {
    source: data.source,
    host: typeof data.host === 'string' ? data.host : undefined,
    timestamp: data.timestamp,
    values,
    id: message.id,
  }
}
