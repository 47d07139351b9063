import { Cluster } from 'ioredis'
import type { Redis } from 'ioredis'
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
  redis.on('+node', (node: Redis) => {
    // A replica answers READONLY: it receives the library from its primary.
    const load = () => node.call('FUNCTION', 'LOAD', 'REPLACE', source).catch((error: Error) => {
      if (!error.message.startsWith('READONLY')) onError(error)
    })
    if (node.status === 'ready') void load()
    else node.once('ready', () => void load())
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
 * `WAIT` for the appends made on one connection. `WAIT` cannot run inside a
 * function, and it blocks its connection for up to its timeout, so one
 * `WAIT` per append would queue behind each other (64 pipelined appends
 * times 500 ms while a replica is away). Instead every append sent in the
 * same tick shares one `WAIT`, sent right behind them on the same
 * connection: it counts every write made there so far. It travels in a
 * pipeline with a read of the log key, which routes it to the log's node on
 * a Cluster.
 */
export class ReplicaConfirmation {
  private next: Promise<number> | null = null

  constructor(private readonly redis: RedisConnection, private readonly key: string, private readonly durability: Durability) {}

  /** Resolves with how many replicas have every write sent on this connection before this tick ended. */
  confirm(): Promise<number> {
    this.next ??= new Promise<void>(resolve => process.nextTick(resolve)).then(() => {
      this.next = null
      return this.send()
    })
    return this.next
  }

  private async send(): Promise<number> {
    const replies = await this.redis.pipeline().exists(this.key).call('WAIT', this.durability.replicas, this.durability.timeoutMs).exec()
    const [, wait] = replies ?? []
    if (!wait) throw new BrokerUnavailableError(true, 'WAIT was not sent')
    if (wait[0]) throw new BrokerUnavailableError(true, `WAIT failed: ${wait[0].message}`)
    return Number(wait[1])
  }
}

/**
 * Runs `FCALL` and, when replicas are required, waits for them
 * (`ReplicaConfirmation`). `WAIT` counts every write made on the connection
 * so far, so it confirms this append, or the earlier one a replayed
 * idempotency key answers with.
 *
 * Fewer replicas than required within the timeout: the event is in the
 * primary's log but may vanish in a failover, so the publish is refused as
 * `BrokerUnavailableError(outcomeUnknown)`: a retry with the same
 * idempotency key appends nothing twice and waits again.
 */
export async function fcallDurably(redis: RedisConnection, args: (string | number)[], confirmation: ReplicaConfirmation | null, durability: Durability): Promise<unknown> {
  const append = redis.call('FCALL', ...args)
  if (!confirmation || durability.replicas <= 0) return append
  const confirmed = confirmation.confirm()
  confirmed.catch(() => {}) // the append's own failure is the one reported
  const result = await append
  const acknowledged = await confirmed
  if (acknowledged < durability.replicas) {
    throw new BrokerUnavailableError(true, `only ${acknowledged} of ${durability.replicas} replicas confirmed within ${durability.timeoutMs} ms`)
  }
  return result
}
