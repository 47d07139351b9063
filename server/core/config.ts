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
  /** Largest durable event (JSON bytes) accepted on any entry path. */
  eventMaxBytes: number
  alertCpuPercent: number
  alertMemoryPercent: number
  alertErrorRatePercent: number
  /** An alert clears once the value falls below threshold × this ratio. */
  alertClearRatio: number
  /** Consecutive one-second samples above a threshold before its alert fires. */
  alertForSamples: number
}

type Loose = Record<string, unknown>

function positive(raw: unknown, name: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${String(raw)}`)
  return value
}

function count(raw: unknown, name: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number >= 0, got ${String(raw)}`)
  return value
}

function text(raw: unknown): string {
  return raw === undefined || raw === null ? '' : String(raw)
}

export function readPulseConfig(runtime: Loose): PulseConfig {
  const ratio = positive(runtime.alertClearRatio, 'NUXT_ALERT_CLEAR_RATIO', 0.9)
  if (ratio > 1) throw new Error('NUXT_ALERT_CLEAR_RATIO must be at most 1')
  return {
    redisUrl: text(runtime.redisUrl),
    redis: readRedisTarget({
      redisUrl: text(runtime.redisUrl),
      redisSentinels: text(runtime.redisSentinels),
      redisSentinelName: text(runtime.redisSentinelName),
      redisSentinelPassword: text(runtime.redisSentinelPassword),
      redisClusterNodes: text(runtime.redisClusterNodes),
    }),
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
    eventMaxBytes: Math.round(positive(runtime.eventMaxBytes, 'NUXT_EVENT_MAX_BYTES', 16_384)),
    alertCpuPercent: positive(runtime.alertCpuPercent, 'NUXT_ALERT_CPU_PERCENT', 80),
    alertMemoryPercent: positive(runtime.alertMemoryPercent, 'NUXT_ALERT_MEMORY_PERCENT', 85),
    alertErrorRatePercent: positive(runtime.alertErrorRatePercent, 'NUXT_ALERT_ERROR_RATE_PERCENT', 1),
    alertClearRatio: ratio,
    alertForSamples: Math.round(positive(runtime.alertForSamples, 'NUXT_ALERT_FOR_SAMPLES', 3)),
  }
}
