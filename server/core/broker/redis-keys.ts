import type { Channel } from '../../../shared/events'

/**
 * Every Redis key and Pub/Sub channel name of one dashboard, from its prefix
 * (`NUXT_REDIS_PREFIX`). Nothing else builds names.
 *
 * On Redis Cluster (`hashTag`), every key carries the prefix as one hash tag
 * (`{dashboard}:log`, `{dashboard}:config`, ...), so one dashboard's keys
 * live in one slot and the publish function can touch them atomically. A
 * single Redis and Sentinel keep the plain names, so existing deployments and
 * collectors need no change (docs/DEPLOY.md "Redis Cluster"). Raw `PUBLISH`
 * channels never carry the tag: classic Pub/Sub reaches every node anyway.
 *
 * The publish function derives the config, epoch and idempotency keys from
 * the log key it is given (`<base>:log` → `<base>:config`, `<base>:idem:<key>`),
 * so collectors calling `FCALL pulseboard_publish 1 <log key> ...` name one
 * key only; `keysFromLog` in the function must agree with this module.
 */
export interface RedisKeys {
  /** The stream every durable event is appended to (ids, history, resume). */
  log: string
  /** Hash of settings the publish function reads (retention, size bound, key TTL). */
  config: string
  /** A random id created with the log: a new value means a new log (see `log-identity.ts`). */
  epoch: string
  /** Where an idempotency key's ids and body hash are remembered. */
  idempotency(key: string): string
  /** Live-only Pub/Sub channel for raw `PUBLISH` collectors. */
  rawChannel(channel: Channel): string
}

export function redisKeys(prefix: string, { hashTag = false }: { hashTag?: boolean } = {}): RedisKeys {
  const base = hashTag ? `{${prefix}}` : prefix
  return {
    log: `${base}:log`,
    config: `${base}:config`,
    epoch: `${base}:epoch`,
    idempotency: key => `${base}:idem:${key}`,
    rawChannel: channel => `${prefix}:${channel}`,
  }
}
