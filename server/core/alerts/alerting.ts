import type { PulseConfig } from '../config'
import type { Broker } from '../broker/types'
import { createLogger } from '../logger'
import type { AlertCounts, FleetAlerts } from './fleet-alerts'
import { createFleetAlerts } from './fleet-alerts'
import type { AlertRule, WebhookTarget } from './rules'
import { defaultRules } from './rules'
import { loadRulesFile } from './rules-file'
import type { NotifierCounts, WebhookNotifier } from './webhook-notifier'
import { createWebhookNotifier } from './webhook-notifier'

/** A source or host silent this long is forgotten (memory stays bounded by live sources). */
export const FORGET_SILENT_AFTER_MS = 10 * 60_000

export interface Alerting {
  rules: readonly AlertRule[]
  fleet: FleetAlerts
  notifier: WebhookNotifier
  close(): void
}

/**
 * The rules in force (the rules file, or the three `NUXT_ALERT_*` thresholds)
 * and where their transitions go. Throws `RulesFileError` for a bad file.
 */
export function createAlerting(config: PulseConfig, broker: Pick<Broker, 'publishBatch'>, maxTracked: number): Alerting {
  const file = config.alertRulesFile
    ? loadRulesFile(config.alertRulesFile, { holdSamples: config.alertForSamples, clearRatio: config.alertClearRatio })
    : null
  const rules = file?.rules ?? defaultRules({
    cpuPercent: config.alertCpuPercent,
    memoryPercent: config.alertMemoryPercent,
    errorRatePercent: config.alertErrorRatePercent,
    clearRatio: config.alertClearRatio,
    forSamples: config.alertForSamples,
  })
  const webhook: WebhookTarget | undefined = config.alertWebhookUrl
    ? { url: config.alertWebhookUrl, format: config.alertWebhookFormat }
    : file?.webhook
  const logger = createLogger('alerts')
  const notifier = createWebhookNotifier({
    timeoutMs: config.alertWebhookTimeoutMs,
    maxAttempts: config.alertWebhookMaxAttempts,
    queueSize: config.alertWebhookQueueSize,
    instanceId: config.instanceId,
    logger,
  })
  const fleet = createFleetAlerts({
    rules,
    webhook,
    maxTracked,
    forgetAfterMs: FORGET_SILENT_AFTER_MS,
    notifier,
    logger,
    publish: (json, idempotencyKey) => broker.publishBatch('alerts', [json], { idempotencyKey }),
  })
  return { rules, fleet, notifier, close: () => notifier.close() }
}

let current: Alerting | null = null

export function setAlerting(alerting: Alerting | null): void {
  current = alerting
}

/** This instance's alert and notification counts (zero before the alerts plugin ran). */
export function alertingCounts(): AlertCounts & { notifications: NotifierCounts } {
  const fleet = current?.fleet.counts ?? { published: 0, replayed: 0, publishFailed: 0 }
  const notifications = current?.notifier.counts ?? { sent: 0, failed: 0, dropped: 0, retried: 0 }
  return { ...fleet, notifications }
}
