import { Redis } from 'ioredis'
import type { RedisOptions } from 'ioredis'
import type { Logger } from '../logger'

export interface RedisConnections {
  /** Commands (publish, replay, ranges): every command bounded, no offline queue. */
  command: Redis
  /** The log reader's own connection: one blocking XREAD at a time. */
  reader: Redis
  /** Pub/Sub for raw `PUBLISH` collectors (live-only channels). */
  subscriber: Redis
}

export interface ConnectionTimings {
  /** Longest any command may take (`NUXT_REDIS_COMMAND_TIMEOUT_MS`). */
  commandTimeoutMs: number
  /** The reader's XREAD BLOCK time; its command may take this long plus `commandTimeoutMs`. */
  readerBlockMs: number
}

/**
 * The three connections of a Redis broker. None of them queues commands while
 * disconnected (the broker's outbox is the only, bounded, queue) and every
 * command has a time limit, so a Redis that stops answering without closing
 * its sockets is noticed instead of waited on.
 */
export function openConnections(url: string, timings: ConnectionTimings, logger: Logger): RedisConnections {
  const base: RedisOptions = {
    lazyConnect: true,
    // Keep trying for as long as the process lives; back off to 2 s.
    retryStrategy: times => Math.min(100 * times, 2000),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: Math.max(timings.commandTimeoutMs, 1000),
  }
  const connections: RedisConnections = {
    command: new Redis(url, { ...base, commandTimeout: timings.commandTimeoutMs, connectionName: 'pulseboard-cmd' }),
    reader: new Redis(url, { ...base, commandTimeout: timings.readerBlockMs + timings.commandTimeoutMs, connectionName: 'pulseboard-reader' }),
    // SUBSCRIBE is sent during the handshake: it needs an offline queue.
    subscriber: new Redis(url, { ...base, enableOfflineQueue: true, commandTimeout: timings.commandTimeoutMs, connectionName: 'pulseboard-sub' }),
  }
  for (const [name, connection] of Object.entries(connections)) {
    connection.on('error', (error: Error) => logger.warn(`redis ${name} connection: ${error.message}`))
  }
  return connections
}

export async function closeConnections(connections: RedisConnections): Promise<void> {
  const all = Object.values(connections)
  await Promise.allSettled(all.map(connection => connection.quit()))
  for (const connection of all) connection.disconnect()
}

/** True for failures that say nothing about the command itself (timeouts, dropped sockets). */
export function isTransportError(error: unknown): boolean {
  const text = String((error as Error)?.message ?? error)
  return /timed out|isn't writeable|Connection is closed|ECONNRE|EPIPE|max retries|Socket closed|Ready check/i.test(text)
}
