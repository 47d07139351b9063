import type { PulseConfig } from '../config'
import type { Logger } from '../logger'
import type { Broker } from './types'
import { MemoryBroker } from './memory-broker'
import { RedisBroker } from './redis-broker'

/** Redis when `NUXT_REDIS_URL`, `NUXT_REDIS_SENTINELS` or `NUXT_REDIS_CLUSTER_NODES` is set, the embedded broker otherwise. */
export function createBroker(config: PulseConfig, logger: Logger): Broker {
  const retention = { maxAgeMs: config.logMaxAgeMs, maxEvents: config.logMaxEvents }
  const limits = { eventMaxBytes: config.eventMaxBytes, idempotencyTtlS: config.ingestIdempotencyTtlS }
  if (!config.redis) return new MemoryBroker(retention, undefined, limits)
  return new RedisBroker({
    target: config.redis,
    prefix: config.redisPrefix,
    durability: { replicas: config.redisWaitReplicas, timeoutMs: config.redisWaitTimeoutMs },
    retention,
    limits,
    logger,
    commandTimeoutMs: config.redisCommandTimeoutMs,
  })
}
