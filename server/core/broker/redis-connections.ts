import type { Logger } from '../logger'
import type { RedisConnection, RedisTarget } from './redis-connection'
import { createRedisConnection } from './redis-connection'

export interface RedisConnections {
  /** Commands (publish, replay, ranges): every command bounded, no offline queue. */
  command: RedisConnection
  /** The log reader's own connection (on a Cluster, its own node connections): one blocking XREAD at a time. */
  reader: RedisConnection
  /** Pub/Sub for raw `PUBLISH` collectors (live-only channels; classic Pub/Sub reaches every Cluster node). */
  subscriber: RedisConnection
}

export interface ConnectionTimings {
  /** Longest any command may take (`NUXT_REDIS_COMMAND_TIMEOUT_MS`). */
  commandTimeoutMs: number
  /** The reader's XREAD BLOCK time; its command may take this long plus `commandTimeoutMs`. */
  readerBlockMs: number
}

/**
 * The three connections of a Redis broker, to a single Redis, the primary
 * Sentinel names, or a Cluster (`redis-connection.ts`). None of them queues commands while
 * disconnected (the broker's outbox is the only, bounded, queue) and every
 * command has a time limit, so a Redis that stops answering without closing
 * its sockets is noticed instead of waited on.
 */
export function openConnections(target: RedisTarget, timings: ConnectionTimings, logger: Logger): RedisConnections {
  const connectTimeoutMs = Math.max(timings.commandTimeoutMs, 1000)
  const connections: RedisConnections = {
    command: createRedisConnection(target, { role: 'cmd', commandTimeoutMs: timings.commandTimeoutMs, connectTimeoutMs }),
    reader: createRedisConnection(target, { role: 'reader', commandTimeoutMs: timings.readerBlockMs + timings.commandTimeoutMs, connectTimeoutMs }),
    // SUBSCRIBE is sent during the handshake: it needs an offline queue.
    subscriber: createRedisConnection(target, { role: 'sub', offlineQueue: true, commandTimeoutMs: timings.commandTimeoutMs, connectTimeoutMs }),
  }
  for (const [name, connection] of Object.entries(connections)) {
    connection.on('error', (error: Error) => logger.warn(`redis ${name} connection: ${error.message}`))
  }
  return connections
}

export async function closeConnections({ command, reader, subscriber }: RedisConnections): Promise<void> {
  // The reader is blocked in XREAD: a QUIT would wait behind it, and it has nothing to flush.
  reader.disconnect()
  await Promise.allSettled([command.quit(), subscriber.quit()])
  command.disconnect()
  subscriber.disconnect()
}
