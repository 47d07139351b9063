import type { Channel } from '../../../shared/events'

/**
 * Every Redis key and Pub/Sub channel name of one dashboard, from its prefix
 * (`NUXT_REDIS_PREFIX`). Nothing else builds names, so switching all of them
 * to one hash tag (`{dashboard}:log`, for Redis Cluster) is a change here.
 *
 * The publish function derives the config and idempotency keys from the log
 * key it is given (`<base>:log` → `<base>:config`, `<base>:idem:<key>`), so
 * collectors calling `FCALL pulseboard_publish 1 <prefix>:log ...` name one
 * key only; `keysFromLog` in the function must agree with this module.
 */
export interface RedisKeys {
  /** The stream every durable event is appended to (ids, history, resume). */
  log: string
  /** Hash of settings the publish function reads (retention, size bound, key TTL). */
  config: string
  /** Where an idempotency key's ids and body hash are remembered. */
  idempotency(key: string): string
  /** Live-only Pub/Sub channel for raw `PUBLISH` collectors. */
  rawChannel(channel: Channel): string
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    log: `${prefix}:log`,
    config: `${prefix}:config`,
    idempotency: key => `${prefix}:idem:${key}`,
    rawChannel: channel => `${prefix}:${channel}`,
  }
}
