import { Cluster, Redis } from 'ioredis'
import type { ClusterOptions, RedisOptions } from 'ioredis'

/** A connection to whichever Redis deployment Pulseboard was given. */
export type RedisConnection = Redis | Cluster

export interface HostPort { host: string, port: number }

/**
 * Where Redis is, from the `NUXT_REDIS_*` settings (README "Redis: single,
 * Sentinel or Cluster"). Exactly one deployment shape at a time.
 */
export type RedisTarget
  = | { kind: 'single', url: string }
    | { kind: 'sentinel', sentinels: HostPort[], name: string, sentinelPassword?: string, username?: string, password?: string }
    | { kind: 'cluster', nodes: HostPort[], username?: string, password?: string }

export interface RedisTargetSettings {
  redisUrl: string
  redisSentinels: string
  redisSentinelName: string
  redisSentinelPassword: string
  redisClusterNodes: string
}

/** Parses `host:port,host:port` (IPv6 as `[::1]:26379`); throws naming the setting. */
export function parseHostList(raw: string, setting: string): HostPort[] {
  const out: HostPort[] = []
  for (const item of raw.split(',').map(part => part.trim()).filter(Boolean)) {
    const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(item)
    const port = Number(match?.[3])
    if (!match || port < 1 || port > 65535) throw new Error(`${setting}: expected host:port[,host:port...], got ${JSON.stringify(item)}`)
    out.push({ host: match[1] ?? match[2]!, port })
  }
  if (!out.length) throw new Error(`${setting}: no host:port given`)
  return out
}

/**
 * Credentials for the data nodes in Sentinel and Cluster mode come from
 * `NUXT_REDIS_URL` when it is set (`redis://user:password@ignored`), so a
 * password never needs a variable of its own.
 */
function credentials(url: string): { username?: string, password?: string } {
  if (!url) return {}
  const parsed = new URL(url)
  return {
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
  }
}

/** The configured deployment, or null for the embedded broker (no Redis at all). */
export function readRedisTarget(settings: RedisTargetSettings): RedisTarget | null {
  const { redisUrl, redisSentinels, redisClusterNodes } = settings
  if (redisSentinels && redisClusterNodes) throw new Error('set NUXT_REDIS_SENTINELS or NUXT_REDIS_CLUSTER_NODES, not both')
  if (redisSentinels) {
    return {
      kind: 'sentinel',
      sentinels: parseHostList(redisSentinels, 'NUXT_REDIS_SENTINELS'),
      name: settings.redisSentinelName || 'mymaster',
      sentinelPassword: settings.redisSentinelPassword || undefined,
      ...credentials(redisUrl),
    }
  }
  if (redisClusterNodes) return { kind: 'cluster', nodes: parseHostList(redisClusterNodes, 'NUXT_REDIS_CLUSTER_NODES'), ...credentials(redisUrl) }
  return redisUrl ? { kind: 'single', url: redisUrl } : null
}

export interface ConnectionOptions {
  /** Shown by `CLIENT LIST` (`pulseboard-<role>`). */
  role: string
  /** Commands wait in the client's queue while disconnected (the reader's blocking reads). @default false */
  offlineQueue?: boolean
  /** Bounded time per command, so a silent Redis is noticed (ms; 0: none). */
  commandTimeoutMs?: number
  /** Longest wait for a connection to be established (ms). @default 10000 */
  connectTimeoutMs?: number
}

/** A replica that became read-only after a failover: reconnect and resend to the primary. */
export function reconnectOnReadOnly(error: Error): 2 | false {
  return error.message.startsWith('READONLY') ? 2 : false
}

/**
 * One Redis connection for any deployment shape; every Pulseboard
 * connection (broker commands, log reader, tickets) is made here, so all of
 * them follow a failover the same way:
 * - Sentinel: the client asks the sentinels for the primary, watches them
 *   for `+switch-master` (failover detection) and reconnects when a command
 *   meets `READONLY` (it reached a demoted primary);
 * - Cluster: the client follows `MOVED`/`ASK` and refreshes its slot map.
 * Connects lazily (`connect()`), retries forever with a 2 s ceiling.
 */
export function createRedisConnection(target: RedisTarget, options: ConnectionOptions): RedisConnection {
  const base: RedisOptions = {
    lazyConnect: true,
    retryStrategy: times => Math.min(100 * times, 2000),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: options.offlineQueue ?? false,
    connectionName: `pulseboard-${options.role}`,
    reconnectOnError: reconnectOnReadOnly,
    ...(options.commandTimeoutMs ? { commandTimeout: options.commandTimeoutMs } : {}),
    ...(options.connectTimeoutMs ? { connectTimeout: options.connectTimeoutMs } : {}),
  }
  switch (target.kind) {
    case 'single':
      return new Redis(target.url, base)
    case 'sentinel':
      return reviveAfterDetectorRace(new Redis({
        ...base,
        sentinels: target.sentinels,
        name: target.name,
        sentinelPassword: target.sentinelPassword,
        username: target.username,
        password: target.password,
        role: 'master',
        failoverDetector: true,
        sentinelRetryStrategy: times => Math.min(100 * times, 2000),
      }))
    case 'cluster': {
      const clusterOptions: ClusterOptions = {
        lazyConnect: true,
        enableOfflineQueue: base.enableOfflineQueue,
        clusterRetryStrategy: base.retryStrategy,
        scaleReads: 'master',
        // During a failover the slot has no primary for a few seconds: retry soon.
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 200,
        redisOptions: { ...base, username: target.username, password: target.password },
      }
      return new Cluster(target.nodes, clusterOptions)
    }
  }
}

/**
 * ioredis 5 ends a Sentinel connection for good ("Connection is closed.",
 * status `end`) when the failover detector of the previous connection fires
 * while the client is already reconnecting, which is exactly what a killed
 * primary causes. Only that path fails a connect attempt with this message;
 * `quit()`/`disconnect()` end without it. Start such a connection again.
 */
function reviveAfterDetectorRace(redis: Redis): Redis {
  let revive = false
  redis.on('error', (error: Error) => {
    if (redis.status === 'connecting' && error.message === 'Connection is closed.') revive = true
  })
  redis.on('end', () => {
    if (!revive) return
    revive = false
    setTimeout(() => redis.connect().catch(() => {}), 100).unref()
  })
  return redis
}
