import type { MetricField } from '../../../shared/events'
import { METRIC_FIELDS } from '../../../shared/events'
import type { BrokerMessage } from '../broker/types'
import type { Logger } from '../logger'
import { normalizePayload } from '../payload'
import type { AlertTransition, EvaluatorOptions, RuleSample } from '../sources/alert-rules'
import { createAlertEvaluator } from '../sources/alert-rules'
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
      if ((error as Error).name === 'IdempotencyConflictError') replayed = true
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

  return {
    counts,
    evaluator: evaluate,
    /** Feed for `hub.onMessage`: looks at metric samples, ignores everything else. */
    observe(message: BrokerMessage): void {
      if (message.channel !== 'metrics') return
      const sample = toSample(message)
      if (!sample) return
      for (const transition of evaluate(sample)) void emit(transition)
    },
  }
}

export type FleetAlerts = ReturnType<typeof createFleetAlerts>

/** The hub hands over validated, normalised JSON: every field is present and of the right type. */
function toSample(message: BrokerMessage): RuleSample | null {
  let data: Record<string, unknown>
  try {
    data = JSON.parse(message.json) as Record<string, unknown>
  }
  catch {
    return null
  }
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
