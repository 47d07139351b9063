import type { Channel } from '../../../shared/events'
import { CHANNELS } from '../../../shared/events'
import type { Logger } from '../logger'
import type { Broker, BrokerLimits, BrokerMessage, BrokerState, BrokerStats, LogRetention, PublishOptions, PublishResult, ReplayResult } from './types'
import type { RedisConnections } from './redis-connections'
import { closeConnections, openConnections } from './redis-connections'
import type { RedisKeys } from './redis-keys'
import { redisKeys } from './redis-keys'
import { LogReader } from './log-reader'
import type { Decoder, StreamEntry } from './log-decoder'
import { decodeLive } from './log-decoder'
import { PublishQueue } from './publish-queue'
import { RedisLogStore } from './redis-log-store'
import { BrokerUnavailableError } from './errors'
import type { RedisTarget } from './redis-connection'
import type { Durability } from './redis-durable'
import { loadOnNewNodes } from './redis-durable'
import { LogGuard, parseProbe, PROBE_SCRIPT } from './log-identity'
import { ORIGIN_ID } from './event-id'
import { FUNCTION_SOURCE } from './redis-function'
import { RawSubscription } from './raw-subscription'

export interface RedisBrokerOptions {
  /** A single Redis, Sentinel or Cluster (`redis-connection.ts`). */
  target: RedisTarget
  /** Key and channel prefix: `<prefix>:log`, `<prefix>:metrics`, ... (see redis-keys.ts) */
  prefix: string
  /** Replicas that must confirm an append before it is acknowledged (`WAIT`). */
  durability?: Durability
  retention: LogRetention
  limits: BrokerLimits
  logger: Logger
  /** Longest any Redis command may take (`NUXT_REDIS_COMMAND_TIMEOUT_MS`). */
  commandTimeoutMs?: number
  /** The reader's XREAD BLOCK time: how often an idle log proves Redis answers. */
  readerBlockMs?: number
  /** Durable events kept while Redis is unreachable before publishes are refused. */
  outboxLimit?: number
}

/**
 * Redis broker: durable events go through one Redis stream per dashboard
 * (ids, history, resume). Each instance reads that stream with one loop
 * (`LogReader`), so delivery order and completeness come from the log alone.
 * Raw `PUBLISH <prefix>:<channel>` messages are delivered live only.
 *
 * Ready means: Redis answered the reader within the last block time plus one
 * command timeout, the command connection has the publish function, and the
 * raw channels are subscribed.
 */
export class RedisBroker implements Broker {
  readonly kind = 'redis' as const
  private readonly keys: RedisKeys
  private readonly connections: RedisConnections
  private readonly reader: LogReader
  private readonly outbox: PublishQueue
  private readonly store: RedisLogStore
  private readonly rawChannels: Map<string, Channel>
  private readonly freshForMs: number
  private readonly decoder: Decoder
  private consumer: (message: BrokerMessage) => void = () => {}
  private readonly logResetListeners = new Set<() => void>()
  private readonly guard: LogGuard
  private readonly rawSubscription: RawSubscription
  private everReady = false
  /** Ids of invalid log entries already counted (bounded, oldest forgotten first). */
  private readonly invalidEntries = new Set<string>()
  private closing = false
  private readonly counters = { reconnects: 0, invalidDropped: 0, idempotentReplays: 0 }

  constructor(private readonly options: RedisBrokerOptions) {
    const commandTimeoutMs = options.commandTimeoutMs ?? 2000
    const readerBlockMs = options.readerBlockMs ?? 1000
    this.freshForMs = readerBlockMs + commandTimeoutMs
    this.keys = redisKeys(options.prefix, { hashTag: options.target.kind === 'cluster' })
    this.rawChannels = new Map(CHANNELS.map(channel => [this.keys.rawChannel(channel), channel]))
    this.connections = openConnections(options.target, { commandTimeoutMs, readerBlockMs }, options.logger)
    this.rawSubscription = new RawSubscription(this.connections.subscriber, [...this.rawChannels.keys()], options.logger)
    this.decoder = {
      dropInvalid: (where, why, entryId) => this.dropInvalid(where, why, entryId),
      maxBytes: options.limits.eventMaxBytes,
    }
    this.store = new RedisLogStore(this.connections.command, this.keys, options.retention, options.limits, this.decoder, options.logger, options.durability)
    // Probed on the reader's connection, between its reads: it reaches the node that holds the log.
    this.guard = new LogGuard(async cursor => parseProbe(await this.connections.reader.call('EVAL', PROBE_SCRIPT, 2, this.keys.log, this.keys.epoch, cursor)))
    this.reader = new LogReader({
      connection: this.connections.reader,
      logKey: this.keys.log,
      blockMs: readerBlockMs,
      batch: 1000,
      consumer: message => this.consumer(message),
      decoder: this.decoder,
      logger: options.logger,
      checkLog: (cursor, afterFailure) => this.checkLog(cursor, afterFailure),
    })
    this.outbox = new PublishQueue({
      append: async (batch) => {
        const result = await this.store.append(batch)
        if (result.replayed) this.counters.idempotentReplays++
        return result
      },
      canSend: () => this.store.canAppend(),
      limit: options.outboxLimit ?? 10_000,
      onSendFailure: error => options.logger.warn(`publishing failed, kept in the outbox for a resend: ${(error as Error)?.message ?? error}`),
    })
  }

  state(): BrokerState {
    if (this.closing) return 'down'
    const fresh = performance.now() - this.reader.lastAnswerAt < this.freshForMs
    if (fresh && this.reader.lastAnswerAt > 0 && this.store.canAppend() && this.rawSubscription.active) {
      this.everReady = true
      return 'ready'
    }
    return this.everReady ? 'down' : 'connecting'
  }

  start(): void {
    const { command, reader, subscriber } = this.connections
    command.on('ready', () => void this.store.prepare().then(() => this.outbox.kick()))
    command.on('close', () => this.store.forgetPrepared())
    reader.on('reconnecting', () => this.counters.reconnects++)
    loadOnNewNodes(command, FUNCTION_SOURCE, error => this.options.logger.warn(`loading the publish function on a new node failed: ${error.message}`))
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onRawPublish(channel.toString(), message))
    command.connect().catch(() => {})
    reader.connect().catch(() => {})
    this.rawSubscription.start()
    this.reader.start()
  }

  async publish(channel: Channel, json: string): Promise<string> {
    return (await this.publishBatch(channel, [json])).ids[0]!
  }

  publishBatch(channel: Channel, jsons: string[], options?: PublishOptions): Promise<PublishResult> {
    if (this.closing) return Promise.reject(new BrokerUnavailableError())
    return this.outbox.publish(channel, jsons, options)
  }

  async publishLive(channel: Channel, json: string): Promise<void> {
    await this.connections.command.publish(this.keys.rawChannel(channel), json)
  }

  setConsumer(consumer: (message: BrokerMessage) => void): void {
    this.consumer = consumer
  }

  replay(afterId: string, limit: number, channels?: ReadonlySet<Channel>): Promise<ReplayResult> {
    return this.store.replay(afterId, limit, channels)
  }

  range(fromId: string, toId: string, limit: number): Promise<BrokerMessage[]> {
    return this.store.range(fromId, toId, limit)
  }

  lastId(): Promise<string> {
    return this.store.lastId()
  }

  async ping(): Promise<number> {
    const started = performance.now()
    await this.connections.command.ping()
    return performance.now() - started
  }

  /** Called when the log was found lost or replaced (the hub then resets its clients). */
  onLogReset(listener: () => void): void {
    this.logResetListeners.add(listener)
  }

  stats(): BrokerStats {
    return { ...this.counters, primaryChanges: this.guard.primaryChanges, logResets: this.guard.logResets }
  }

  async close(): Promise<void> {
    this.closing = true
    this.rawSubscription.stop()
    this.outbox.close()
    this.reader.stop()
    await closeConnections(this.connections)
  }

  /**
   * Before the reader goes on from `cursor`: is this still the log it was
   * reading (`log-identity.ts`)? Probed once a second and after every failed
   * read. A lost or replaced log resets this instance's clients, and the
   * reader continues with what the log holds now:
   * - a new log (new epoch): from its start, every entry is new;
   * - a log that lost its newest entries (a failover to a replica that did
   *   not have them): after the newest entry it still has at or before the
   *   cursor. The log's last id is then raised to the cursor, so the new
   *   primary never hands out again an id this instance already delivered
   *   (it could, were its clock behind the old primary's).
   */
  private async checkLog(cursor: string, afterFailure: boolean): Promise<string> {
    if (!this.guard.due(afterFailure)) return cursor
    const verdict = await this.guard.check(cursor)
    if (verdict.kind === 'same') return cursor
    const { reader } = this.connections
    let next = ORIGIN_ID
    if (verdict.kind === 'tail-lost') {
      const kept = await reader.xrevrange(this.keys.log, cursor, '-', 'COUNT', 1) as StreamEntry[]
      next = kept[0]?.[0] ?? ORIGIN_ID
      // Fails harmlessly when newer entries exist already: their ids are past the cursor anyway.
      await reader.call('XSETID', this.keys.log, cursor).catch(() => {})
    }
    this.options.logger.warn(`the log was ${verdict.kind === 'replaced' ? 'replaced (new epoch: Redis lost it)' : `missing its newest entries (after ${next}), as after a failover to a replica that lacked them`}; clients get reset, reading on after ${next}`)
    for (const listener of this.logResetListeners) listener()
    return next
  }

  private onRawPublish(channel: string, payload: Buffer): void {
    const target = this.rawChannels.get(channel)
    if (!target) return
    const message = decodeLive(target, payload.toString(), this.decoder, channel)
    if (message) this.consumer(message)
  }

  /** A log entry is read again by replays and history: count and log it once. */
  private dropInvalid(where: string, why: string, entryId?: string): void {
    if (entryId !== undefined) {
      if (this.invalidEntries.has(entryId)) return
      this.invalidEntries.add(entryId)
      if (this.invalidEntries.size > 10_000) this.invalidEntries.delete(this.invalidEntries.values().next().value!)
    }
    this.counters.invalidDropped++
    this.options.logger.warn(`dropped invalid event (${where}): ${why}`)
  }
}
