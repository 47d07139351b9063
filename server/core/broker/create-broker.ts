import type { PulseConfig } from '../config'
import type { Logger } from '../logger'
import type { Broker } from './types'
import { MemoryBroker } from './memory-broker'
import { RedisBroker } from './redis-broker'

/** Redis when `NUXT_REDIS_URL` is set, the embedded broker otherwise. */
export function createBroker(config: PulseConfig, logger: Logger): Broker {
  const retention = { maxAgeMs: config.logMaxAgeMs, maxEvents: config.logMaxEvents }
  const limits = { eventMaxBytes: config.eventMaxBytes, idempotencyTtlS: config.ingestIdempotencyTtlS }
  if (!config.redisUrl) return new MemoryBroker(retention, undefined, limits)
  return new RedisBroker({
    url: config.redisUrl,
    prefix: config.redisPrefix,
    retention,
    limits,
    logger,
    commandTimeoutMs: config.redisCommandTimeoutMs,
  })
}
