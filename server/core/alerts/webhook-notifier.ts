import type { Logger } from '../logger'
import type { AlertTransition } from '../sources/alert-rules'
import type { WebhookTarget } from './rules'

export interface NotifierCounts {
  /** Notifications a receiver accepted (2xx). */
  sent: number
  /** Notifications given up on after the last attempt, or refused for good (4xx). */
  failed: number
  /** Notifications refused because the queue was full or the instance stopped. */
  dropped: number
  /** Attempts that failed and were tried again. */
  retried: number
}

export interface NotifierOptions {
  timeoutMs: number
  /** Attempts per notification, the first included. */
  maxAttempts: number
  /** Notifications waiting or in flight; more are dropped (and counted) rather than kept. */
  queueSize: number
  /** First retry delay; doubles per attempt, with jitter, up to `maxDelayMs`. */
  baseDelayMs?: number
  maxDelayMs?: number
  /** Deliveries in flight at once, so one slow receiver does not hold up the rest. */
  concurrency?: number
  /** The instance that sends, named in JSON payloads. */
  instanceId: string
  logger: Logger
}

interface Job { target: WebhookTarget, body: string, transition: AlertTransition }

/** The JSON a webhook receives: the alert as published, plus what caused it. */
export function webhookBody(format: WebhookTarget['format'], transition: AlertTransition, instanceId: string): string {
  const { alert, rule } = transition
  if (format === 'slack') {
    const icon = transition.kind === 'cleared' ? ':white_check_mark:' : alert.level === 'critical' ? ':rotating_light:' : ':warning:'
    return JSON.stringify({ text: `${icon} *${alert.level}* ${alert.message}` })
  }
  return JSON.stringify({
    state: transition.kind,
    alert,
    rule: { name: rule.name, metric: rule.metric, comparison: rule.comparison, threshold: rule.threshold, clear: rule.clear, scope: rule.scope },
    subject: transition.subject,
    sentBy: instanceId,
  })
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms).unref())

/**
 * Sends alert transitions to webhooks: each attempt bounded by a timeout,
 * failures retried with exponential backoff, and a bounded queue, so a dead
 * receiver costs a fixed amount of memory and never slows alert evaluation.
 */
export function createWebhookNotifier(options: NotifierOptions) {
  const { timeoutMs, maxAttempts, queueSize, baseDelayMs = 500, maxDelayMs = 30_000, concurrency = 4, instanceId, logger } = options
  const counts: NotifierCounts = { sent: 0, failed: 0, dropped: 0, retried: 0 }
  const waiting: Job[] = []
  let active = 0
  let closed = false

  async function attempt(job: Job): Promise<'sent' | 'retry' | 'refused'> {
    try {
      const response = await fetch(job.target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'pulseboard-alerts' },
        body: job.body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      })
      await response.body?.cancel()
      if (response.ok) return 'sent'
      // The receiver refuses this request for good; 408 and 429 ask to come back.
      const retry = response.status >= 500 || response.status === 408 || response.status === 429
      logger.warn(`alert webhook ${job.target.url} answered ${response.status}${retry ? ', will retry' : ''}`)
      return retry ? 'retry' : 'refused'
    }
    catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message
      logger.warn(`alert webhook ${job.target.url} failed: ${reason}`)
      return 'retry'
    }
  }

  async function deliver(job: Job): Promise<void> {
    for (let n = 1; ; n++) {
      const outcome = await attempt(job)
      if (outcome === 'sent') {
        counts.sent++
        return
      }
      if (outcome === 'refused' || n >= maxAttempts || closed) {
        counts.failed++
        logger.error(`alert webhook ${job.target.url}: gave up on "${job.transition.alert.message}" after ${n} attempt${n === 1 ? '' : 's'}`)
        return
      }
      counts.retried++
      const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (n - 1))
      await sleep(delay / 2 + Math.random() * delay / 2)
    }
  }

  function pump(): void {
    while (active < concurrency && waiting.length > 0) {
      const job = waiting.shift()!
      active++
      void deliver(job).finally(() => {
        active--
        pump()
      })
    }
  }

  return {
    counts,
    /** Queues one notification per target; never blocks and never throws. */
    notify(targets: readonly WebhookTarget[], transition: AlertTransition): void {
      for (const target of targets) {
        if (closed || active + waiting.length >= queueSize) {
          counts.dropped++
          logger.error(`alert webhook ${target.url}: queue full (${queueSize}), dropped "${transition.alert.message}"`)
          continue
        }
        waiting.push({ target, body: webhookBody(target.format, transition, instanceId), transition })
      }
      pump()
    },
    /** Notifications waiting or in flight. */
    pending: () => active + waiting.length,
    close(): void {
      closed = true
      counts.dropped += waiting.length
      waiting.length = 0
    },
  }
}

export type WebhookNotifier = ReturnType<typeof createWebhookNotifier>
