import { Cluster } from 'ioredis'
import type { RedisConnection } from './redis-connection'
import { BrokerUnavailableError } from './errors'

/**
 * Loads a Redis Functions library where the log can live: the one server
 * (single, Sentinel primary) or every primary of a Cluster. Replicas get it
 * through replication, so a replica promoted by a failover already has it;
 * a node that joins later is covered by `loadOnNewNodes` and by the publish
 * path retrying after "Function not found".
 */
export async function loadFunctionEverywhere(redis: RedisConnection, source: string): Promise<void> {
  if (!(redis instanceof Cluster)) {
    await redis.call('FUNCTION', 'LOAD', 'REPLACE', source)
    return
  }
  const primaries = redis.nodes('master')
  if (!primaries.length) throw new Error('no cluster primary known yet')
  await Promise.all(primaries.map(node => node.call('FUNCTION', 'LOAD', 'REPLACE', source)))
}

/** Cluster: load the library on every node that appears (a new shard, a node restarted empty). */
export function loadOnNewNodes(redis: RedisConnection, source: string, onError: (error: Error) => void): void {
  if (!(redis instanceof Cluster)) return
  redis.on('+node', (node: RedisConnection) => {
    // A replica answers READONLY: it receives the library from its primary.
    node.call('FUNCTION', 'LOAD', 'REPLACE', source).catch((error: Error) => {
      if (!error.message.startsWith('READONLY')) onError(error)
    })
  })
}

export function isFunctionMissing(error: unknown): boolean {
  return String(error).includes('Function not found')
}

export interface Durability {
  /** Replicas that must have the write before it counts as accepted (0: the primary alone). */
  replicas: number
  timeoutMs: number
}

/**
 * Runs `FCALL` and, when replicas are required, `WAIT` right behind it on
 * the same connection (a pipeline; on a Cluster it goes to the node of the
 * log's slot, since the pipeline's only key decides). `WAIT` cannot run
 * inside a function, and it counts every write made on this connection so
 * far, so it confirms this append or an earlier one that a replayed
 * idempotency key answers with.
 *
 * Fewer replicas than required within the timeout: the event is in the
 * primary's log but may vanish in a failover, so the publish is refused as
 * `BrokerUnavailableError(outcomeUnknown)`: a retry with the same
 * idempotency key appends nothing twice and waits again.
 */
export async function fcallDurably(redis: RedisConnection, args: (string | number)[], durability: Durability): Promise<unknown> {
  if (durability.replicas <= 0) return redis.call('FCALL', ...args)
  const replies = await redis.pipeline().call('FCALL', ...args).call('WAIT', durability.replicas, durability.timeoutMs).exec()
  if (!replies) throw new BrokerUnavailableError(true, 'pipeline was not sent')
  const [[appendError, result], [waitError, acknowledged]] = replies as [[Error | null, unknown], [Error | null, unknown]]
  if (appendError) throw appendError
  if (waitError) throw new BrokerUnavailableError(true, `WAIT failed: ${waitError.message}`)
  if (Number(acknowledged) < durability.replicas) {
    throw new BrokerUnavailableError(true, `only ${Number(acknowledged)} of ${durability.replicas} replicas confirmed within ${durability.timeoutMs} ms`)
  }
  return result
}
