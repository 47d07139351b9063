import { hostname } from 'node:os'
import type { RedisTarget } from './broker/redis-connection'
import { readRedisTarget } from './broker/redis-connection'

/**
 * Pulseboard's settings. Defaults live in `nuxt.config.ts` (runtimeConfig) so
 * every one can be overridden with a `NUXT_*` variable; this module turns the
 * loose values into checked numbers once, at start-up.
 */
export interface PulseConfig {
  redisUrl: string
  /** Single Redis, Sentinel or Cluster; null: the embedded broker. */
  redis: RedisTarget | null
  redisPrefix: string
  /** Replicas that must confirm a durable publish (`WAIT`) before it is acknowledged; 0: none. */
  redisWaitReplicas: number
  redisWaitTimeoutMs: number
  /** Longest any Redis command may take before the broker treats Redis as silent. */
  redisCommandTimeoutMs: number
  instanceId: string
  sseHeartbeatMs: number
  sseRetryMs: number
  sseMaxQueueBytes: number
  logMaxAgeMs: number
  logMaxEvents: number
  publishToken: string
  /** Bearer token for `GET /metrics`; empty disables the endpoint. */
  metricsToken: string
  ingestMaxBytes: number
  /** How long an ingest `Idempotency-Key` is remembered, in seconds. */
  ingestIdempotencyTtlS: number
  alertCpuPercent: number
  alertMemoryPercent: number
  alertErrorRatePercent: number
  /** An alert clears once the value falls below threshold × this ratio. */
  alertClearRatio: number
  /** Consecutive one-second samples above a threshold before its alert fires. */
  alertForSamples: number
  /** Largest normalised event in UTF-8 bytes, on every entry path (ingest 413, others dropped and counted). */
  eventMaxBytes: number
  /** Distinct sources this instance tracks; events of new sources beyond it are refused and counted. */
  maxSources: number
  /** YAML or JSON rules replacing the three threshold rules above; empty: those rules. */
  alertRulesFile: string
  /** Webhook receiving every alert transition; empty: none (rules may name their own). */
  alertWebhookUrl: string
  alertWebhookFormat: 'json' | 'slack'
  alertWebhookTimeoutMs: number
  alertWebhookMaxAttempts: number
  /** Notifications waiting or in flight per instance; more are dropped and counted. */
  alertWebhookQueueSize: number
}

/** A setting that cannot be used; the message names the variable and fits on one line. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Loose = Record<string, unknown>

function positive(raw: unknown, name: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${name} must be a positive number, got ${String(raw)}`)
  return value
}

function positiveInt(raw: unknown, name: string, fallback: number): number {
  const value = positive(raw, name, fallback)
  if (!Number.isInteger(value)) throw new ConfigError(`${name} must be a whole number, got ${String(raw)}`)
  return value
}

/** ioredis reads redis:// and rediss:// URLs; anything else would retry an impossible connection forever. */
function redisUrl(raw: unknown): string {
  const url = text(raw).trim()
  if (url === '') return url
  let protocol: string
  try {
    protocol = new URL(url).protocol
  }
  catch {
    throw new ConfigError(`NUXT_REDIS_URL must be a redis:// or rediss:// URL, got something that is not a URL`)
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') throw new ConfigError(`NUXT_REDIS_URL must be a redis:// or rediss:// URL, got a ${protocol}// URL`)
  return url
}

function webhookUrl(raw: unknown): string {
  const url = text(raw).trim()
  if (url === '') return url
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new ConfigError('NUXT_ALERT_WEBHOOK_URL must be an http:// or https:// URL')
  return url
}

function oneOf<T extends string>(raw: unknown, name: string, allowed: readonly T[]): T {
  const value = text(raw).trim() || allowed[0]!
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got ${value}`)
  return value as T
}

function count(raw: unknown, name: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a whole number >= 0, got ${String(raw)}`)
  return value
}

/** Single Redis, Sentinel or Cluster; a setting that cannot work stops the server in one line. */
function redisTarget(runtime: Loose): RedisTarget | null {
  try {
    return readRedisTarget({
      redisUrl: redisUrl(runtime.redisUrl),
      redisSentinels: text(runtime.redisSentinels),
      redisSentinelName: text(runtime.redisSentinelName),
      redisSentinelPassword: text(runtime.redisSentinelPassword),
      redisClusterNodes: text(runtime.redisClusterNodes),
    })
  }
  catch (error) {
    throw error instanceof ConfigError ? error : new ConfigError((error as Error).message)
  }
}

function text(raw: unknown): string {
  return raw === undefined || raw === null ? '' : String(raw)
}

export function readPulseConfig(runtime: Loose): PulseConfig {
  const ratio = positive(runtime.alertClearRatio, 'NUXT_ALERT_CLEAR_RATIO', 0.9)
  if (ratio > 1) throw new ConfigError('NUXT_ALERT_CLEAR_RATIO must be at most 1')
  return {
    redisUrl: redisUrl(runtime.redisUrl),
    redis: redisTarget(runtime),
    redisWaitReplicas: count(runtime.redisWaitReplicas, 'NUXT_REDIS_WAIT_REPLICAS', 0),
    redisWaitTimeoutMs: positive(runtime.redisWaitTimeoutMs, 'NUXT_REDIS_WAIT_TIMEOUT_MS', 500),
    redisPrefix: text(runtime.redisPrefix) || 'dashboard',
    redisCommandTimeoutMs: positive(runtime.redisCommandTimeoutMs, 'NUXT_REDIS_COMMAND_TIMEOUT_MS', 2000),
    instanceId: text(runtime.instanceId) || `${hostname()}-${process.pid}`,
    sseHeartbeatMs: positive(runtime.sseHeartbeatMs, 'NUXT_SSE_HEARTBEAT_MS', 15_000),
    sseRetryMs: positive(runtime.sseRetryMs, 'NUXT_SSE_RETRY_MS', 3000),
    sseMaxQueueBytes: positive(runtime.sseMaxQueueBytes, 'NUXT_SSE_MAX_QUEUE_BYTES', 1_048_576),
    logMaxAgeMs: positive(runtime.logMaxAgeMs, 'NUXT_LOG_MAX_AGE_MS', 1_800_000),
    logMaxEvents: positive(runtime.logMaxEvents, 'NUXT_LOG_MAX_EVENTS', 100_000),
    publishToken: text(runtime.publishToken),
    metricsToken: text(runtime.metricsToken),
    ingestMaxBytes: positive(runtime.ingestMaxBytes, 'NUXT_INGEST_MAX_BYTES', 262_144),
    ingestIdempotencyTtlS: Math.round(positive(runtime.ingestIdempotencyTtlS, 'NUXT_INGEST_IDEMPOTENCY_TTL_S', 86_400)),
    alertCpuPercent: positive(runtime.alertCpuPercent, 'NUXT_ALERT_CPU_PERCENT', 80),
    alertMemoryPercent: positive(runtime.alertMemoryPercent, 'NUXT_ALERT_MEMORY_PERCENT', 85),
    alertErrorRatePercent: positive(runtime.alertErrorRatePercent, 'NUXT_ALERT_ERROR_RATE_PERCENT', 1),
    alertClearRatio: ratio,
    alertForSamples: Math.round(positive(runtime.alertForSamples, 'NUXT_ALERT_FOR_SAMPLES', 3)),
    eventMaxBytes: Math.round(positive(runtime.eventMaxBytes, 'NUXT_EVENT_MAX_BYTES', 16_384)),
    maxSources: Math.round(positive(runtime.maxSources, 'NUXT_MAX_SOURCES', 1000)),
    alertRulesFile: text(runtime.alertRulesFile).trim(),
    alertWebhookUrl: webhookUrl(runtime.alertWebhookUrl),
    alertWebhookFormat: oneOf(runtime.alertWebhookFormat, 'NUXT_ALERT_WEBHOOK_FORMAT', ['json', 'slack'] as const),
    alertWebhookTimeoutMs: positive(runtime.alertWebhookTimeoutMs, 'NUXT_ALERT_WEBHOOK_TIMEOUT_MS', 5000),
    alertWebhookMaxAttempts: positiveInt(runtime.alertWebhookMaxAttempts, 'NUXT_ALERT_WEBHOOK_MAX_ATTEMPTS', 5),
    alertWebhookQueueSize: positiveInt(runtime.alertWebhookQueueSize, 'NUXT_ALERT_WEBHOOK_QUEUE_SIZE', 1000),
  }
}
