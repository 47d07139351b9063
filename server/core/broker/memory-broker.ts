import { createHash } from 'node:crypto'
import type { Channel } from '../../../shared/events'
import type { Broker, BrokerLimits, BrokerMessage, BrokerState, BrokerStats, LogRetention, PublishOptions, PublishResult, ReplayResult } from './types'
import { RetainedLog } from './retained-log'
import { IdempotencyMemory } from './idempotency-memory'
import { BrokerUnavailableError, EventTooLargeError, InvalidEventError } from './errors'

/** Keys the embedded broker remembers at most (oldest forgotten first). */
const MAX_IDEMPOTENCY_KEYS = 10_000

const DEFAULT_LIMITS: BrokerLimits = { eventMaxBytes: 16_384, idempotencyTtlS: 86_400 }

/**
 * The embedded broker: one process, no Redis. It is the default so that
 * `npm run dev` needs nothing else; it has the same contract as the Redis
 * broker but cannot fan out across instances.
 */
export class MemoryBroker implements Broker {
  readonly kind = 'memory' as const
  private readonly log: RetainedLog
  private readonly idempotency: IdempotencyMemory
  private consumer: (message: BrokerMessage) => void = () => {}
  private closed = false
  private readonly counters: BrokerStats = { reconnects: 0, invalidDropped: 0, idempotentReplays: 0, primaryChanges: 0, logResets: 0 }

  constructor(retention: LogRetention, now?: () => number, private readonly limits: BrokerLimits = DEFAULT_LIMITS) {
    this.log = new RetainedLog(retention, now)
    this.idempotency = new IdempotencyMemory(limits.idempotencyTtlS * 1000, MAX_IDEMPOTENCY_KEYS, now)
  }

  state(): BrokerState {
    return this.closed ? 'down' : 'ready'
  }

  start(): void {}

  async publish(channel: Channel, json: string): Promise<string> {
    return (await this.publishBatch(channel, [json])).ids[0]!
  }

  async publishBatch(channel: Channel, jsons: string[], options: PublishOptions = {}): Promise<PublishResult> {
    if (this.closed) throw new BrokerUnavailableError()
    if (jsons.length === 0) throw new InvalidEventError('no events')
    const key = options.idempotencyKey
    const fingerprint = options.fingerprint || createHash('sha1').update(`${channel}\n${jsons.join('\n')}`).digest('hex')
    if (key !== undefined) {
      const earlier = this.idempotency.recall(key, fingerprint)
      if (earlier) {
        this.counters.idempotentReplays++
        return earlier
      }
    }
    for (const json of jsons) {
      if (Buffer.byteLength(json) > this.limits.eventMaxBytes) throw new EventTooLargeError(this.limits.eventMaxBytes)
    }
    // Synchronous from here on: the batch enters the log whole.
    const entries = jsons.map(json => this.log.append(channel, json))
    const ids = entries.map(entry => entry.id)
    if (key !== undefined) this.idempotency.remember(key, fingerprint, ids)
    for (const entry of entries) this.consumer(entry)
    return { ids, replayed: false }
  }

  async publishLive(channel: Channel, json: string): Promise<void> {
    if (this.closed) throw new BrokerUnavailableError()
    this.consumer({ channel, json })
  }

  setConsumer(consumer: (message: BrokerMessage) => void): void {
    this.consumer = consumer
  }

  async replay(afterId: string, limit: number, channels?: ReadonlySet<Channel>): Promise<ReplayResult> {
    return this.log.replay(afterId, limit, channels)
  }

  async range(fromId: string, toId: string, limit: number): Promise<BrokerMessage[]> {
    return this.log.range(fromId, toId, limit)
  }

  async lastId(): Promise<string> {
    return this.log.lastId()
  }

  async ping(): Promise<number> {
    return 0
  }

  stats(): BrokerStats {
    return { ...this.counters }
  }

  async close(): Promise<void> {
    this.closed = true
  }
}
