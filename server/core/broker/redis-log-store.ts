import type { Channel } from '../../../shared/events'
import type { Logger } from '../logger'
import type { BrokerLimits, BrokerMessage, LogRetention, PublishResult, ReplayResult } from './types'
import type { RedisKeys } from './redis-keys'
import type { Outgoing } from './publish-queue'
import type { Decoder, StreamEntry } from './log-decoder'
import { decodeEntries } from './log-decoder'
import { compareEventIds, ORIGIN_ID, parseEventId } from './event-id'
import { CONFIG_FIELDS, FUNCTION_SOURCE, PUBLISH_BATCH_FUNCTION } from './redis-function'
import { EventTooLargeError, IdempotencyConflictError, InvalidEventError } from './errors'
import type { RedisConnection } from './redis-connection'
import type { Durability } from './redis-durable'
import { fcallDurably, isFunctionMissing, loadFunctionEverywhere, ReplicaConfirmation } from './redis-durable'

/**
 * The log as the command connection sees it: appends through the publish
 * function, and the reads that answer requests (replay, ranges, newest id).
 */
export class RedisLogStore {
  private prepared = false
  private readonly confirmation: ReplicaConfirmation | null

  constructor(
    private readonly connection: RedisConnection,
    private readonly keys: RedisKeys,
    private readonly retention: LogRetention,
    private readonly limits: BrokerLimits,
    private readonly decoder: Decoder,
    private readonly logger: Logger,
    /** Replicas that must have an append before it counts (`NUXT_REDIS_WAIT_REPLICAS`). */
    private readonly durability: Durability = { replicas: 0, timeoutMs: 500 },
  ) {
    this.confirmation = durability.replicas > 0 ? new ReplicaConfirmation(connection, keys.log, durability) : null
  }

  canAppend(): boolean {
    return this.prepared && this.connection.status === 'ready'
  }

  /**
   * Loads the publish function (on every primary of a Cluster) and writes
   * the settings it enforces (the function reads them from Redis, never from
   * its callers). Every instance writes the same values when configured alike.
   */
  async prepare(): Promise<void> {
    try {
      await loadFunctionEverywhere(this.connection, FUNCTION_SOURCE)
      await this.connection.hset(this.keys.config, {
        [CONFIG_FIELDS.maxEvents]: this.retention.maxEvents,
        [CONFIG_FIELDS.maxAgeMs]: this.retention.maxAgeMs,
        [CONFIG_FIELDS.maxBytes]: this.limits.eventMaxBytes,
        [CONFIG_FIELDS.idempotencyTtlS]: this.limits.idempotencyTtlS,
      })
      this.prepared = true
    }
    catch (error) {
      this.logger.error(`cannot load the publish function (Redis 7+ needed): ${(error as Error).message}`)
      // A Redis that went silent during the load answers again later: try again while connected.
      setTimeout(() => {
        if (!this.prepared && this.connection.status === 'ready') void this.prepare()
      }, 1000).unref()
    }
  }

  forgetPrepared(): void {
    this.prepared = false
  }

  async append(batch: Outgoing): Promise<PublishResult> {
    // With NUXT_REDIS_WAIT_REPLICAS, WAIT follows on the same connection (see redis-durable.ts).
    const call = () => fcallDurably(this.connection, [PUBLISH_BATCH_FUNCTION, 1, this.keys.log, batch.channel, batch.idempotencyKey, batch.fingerprint, batch.ttlS, ...batch.jsons], this.confirmation, this.durability) as Promise<(string | number)[]>
    let reply: (string | number)[]
    try {
      reply = await call()
    }
    catch (error) {
      const refusal = asRefusal(error, this.limits.eventMaxBytes)
      if (refusal) throw refusal
      // A Redis restarted without persistence, or a new Cluster primary, lacks the function.
      if (!isFunctionMissing(error)) throw error
      await this.prepare()
      reply = await call()
    }
    return { replayed: Number(reply[0]) === 1, ids: reply.slice(1).map(String) }
  }

  /**
   * Examines at most `limit` entries after `afterId`. An id older than the
   * retention by this instance's clock is expired even if Redis has not
   * trimmed it yet (it trims when appending), so every instance, and the
   * in-memory recent window, answers the same.
   */
  async replay(afterId: string, limit: number, channels?: ReadonlySet<Channel>): Promise<ReplayResult> {
    if (afterId === ORIGIN_ID) {
      if (await this.wasTrimmed()) return { kind: 'reset', reason: 'expired' }
      const entries = await this.read('-', limit + 1)
      const page = entries.slice(0, limit)
      return { kind: 'ok', events: decodeEntries(page, this.decoder, channels), cursor: page.at(-1)?.[0] ?? ORIGIN_ID, truncated: entries.length > limit }
    }
    if (parseEventId(afterId)!.ms < Date.now() - this.retention.maxAgeMs) return { kind: 'reset', reason: 'expired' }
    const entries = await this.read(afterId, limit + 1)
    if (entries[0]?.[0] !== afterId) {
      const first = await this.read('-', 1)
      const expired = first.length > 0 && compareEventIds(afterId, first[0]![0]) < 0
      return { kind: 'reset', reason: expired ? 'expired' : 'unknown-id' }
    }
    const page = entries.slice(1)
    return { kind: 'ok', events: decodeEntries(page, this.decoder, channels), cursor: page.at(-1)?.[0] ?? afterId, truncated: entries.length > limit }
  }

  async range(fromId: string, toId: string, limit: number): Promise<BrokerMessage[]> {
    const entries = await this.connection.xrange(this.keys.log, fromId, toId, 'COUNT', limit) as StreamEntry[]
    return decodeEntries(entries, this.decoder)
  }

  async lastId(): Promise<string> {
    const entries = await this.connection.xrevrange(this.keys.log, '+', '-', 'COUNT', 1) as StreamEntry[]
    return entries[0]?.[0] ?? ORIGIN_ID
  }

  private read(from: string, count: number): Promise<StreamEntry[]> {
    return this.connection.xrange(this.keys.log, from, '+', 'COUNT', count) as Promise<StreamEntry[]>
  }

  /** True once anything was ever trimmed from the log (or the log was lost). */
  private async wasTrimmed(): Promise<boolean> {
    try {
      const info = await this.connection.call('XINFO', 'STREAM', this.keys.log) as unknown[]
      const field = (name: string) => info[info.indexOf(name) + 1]
      return Number(field('entries-added')) > Number(field('length'))
    }
    catch {
      return false // no stream yet: nothing was ever trimmed
    }
  }
}

/** The publish function's refusals, by the first word of its error. */
function asRefusal(error: unknown, maxBytes: number): Error | null {
  const message = String((error as Error)?.message ?? '')
  const [code, ...rest] = message.split(' ')
  if (code === 'INVALID') return new InvalidEventError(rest.join(' '))
  if (code === 'TOOLARGE') return new EventTooLargeError(maxBytes)
  if (code === 'CONFLICT') return new IdempotencyConflictError()
  return null
}
