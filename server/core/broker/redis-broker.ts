import { Redis } from 'ioredis'
import type { RedisOptions } from 'ioredis'
import type { Channel } from '../../../shared/events'
import { CHANNELS, isChannel } from '../../../shared/events'
import type { Broker, BrokerMessage, BrokerState, BrokerStats, LogRetention, ReplayResult } from './types'
import { compareEventIds, ORIGIN_ID, parseEventId } from './event-id'
import { FUNCTION_SOURCE, PUBLISH_FUNCTION } from './redis-function'
import { normalizeJson } from '../payload'
import type { Logger } from '../logger'

export interface RedisBrokerOptions {
  url: string
  /** Key and channel prefix: `<prefix>:log`, `<prefix>:metrics`, ... */
  prefix: string
  retention: LogRetention
  logger: Logger
  /** Durable publishes kept while Redis is unreachable before `publish` rejects. */
  outboxLimit?: number
  /** Larger events (raw PUBLISH, log entries) are dropped as invalid (`NUXT_EVENT_MAX_BYTES`). */
  eventMaxBytes?: number
}

export class BrokerUnavailableError extends Error {
  constructor() {
    super('broker unavailable')
  }
}

interface Pending { channel: Channel, json: string, resolve: (id: string) => void, reject: (error: Error) => void }

type StreamEntry = [id: string, fields: string[]]

/**
 * Redis broker: durable events go through one Redis stream per dashboard
 * (ids, history, resume); each append is announced on Pub/Sub, and every
 * instance then reads the new entries from the stream (fan-out). Raw
 * `PUBLISH <prefix>:<channel>` messages are delivered live only.
 *
 * Two connections: a subscriber, and a command connection without an offline
 * queue so that nothing waits forever while Redis is away. Reads continue
 * from the last entry read, so durable events appended while this instance
 * was disconnected are delivered once it is back, in order.
 */
export class RedisBroker implements Broker {
  readonly kind = 'redis' as const
  private readonly cmd: Redis
  private readonly sub: Redis
  private readonly logKey: string
  private readonly rawChannels: Map<string, Channel>
  private handler: (message: BrokerMessage) => void = () => {}
  private lastDelivered: string | null = null
  /** True until the subscription is confirmed and the cursor known. */
  private catchingUp = true
  /** Id of the last log entry read (valid or not); pulls continue after it. */
  private cursor: string | null = null
  private pulling = false
  private pullAgain = false
  private subscribed = false
  private functionLoaded = false
  private outbox: Pending[] = []
  /** Catch-up waits here until the command connection has loaded the function. */
  private readonly commandWaiters = new Set<() => void>()
  private closing = false
  private readonly counters: BrokerStats = { reconnects: 0, invalidDropped: 0 }

  constructor(private readonly options: RedisBrokerOptions) {
    this.logKey = `${options.prefix}:log`
    this.rawChannels = new Map(CHANNELS.map(channel => [`${options.prefix}:${channel}`, channel]))
    const base: RedisOptions = {
      lazyConnect: true,
      // Keep trying for as long as the process lives; back off to 2 s.
      retryStrategy: times => Math.min(100 * times, 2000),
      maxRetriesPerRequest: 1,
    }
    this.cmd = new Redis(options.url, { ...base, enableOfflineQueue: false, connectionName: 'pulseboard-cmd' })
    this.sub = new Redis(options.url, { ...base, autoResubscribe: false, connectionName: 'pulseboard-sub' })
  }

  state(): BrokerState {
    if (this.closing) return 'down'
    if (this.cmd.status === 'ready' && this.functionLoaded && this.subscribed && !this.catchingUp) return 'ready'
    return this.everReady ? 'down' : 'connecting'
  }

  private everReady = false

  start(): void {
    const log = this.options.logger
    for (const [name, conn] of [['command', this.cmd], ['subscriber', this.sub]] as const) {
      conn.on('error', error => log.warn(`redis ${name} connection: ${error.message}`))
      conn.on('reconnecting', () => {
        if (name === 'subscriber') this.counters.reconnects++
      })
      conn.on('end', () => this.onDisconnected())
      conn.on('close', () => this.onDisconnected())
    }
    this.cmd.on('ready', () => void this.onCommandReady())
    this.sub.on('ready', () => void this.onSubscriberReady())
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.onPubSub(channel.toString(), message.toString()))
    this.cmd.connect().catch(() => {})
    this.sub.connect().catch(() => {})
  }

  async publish(channel: Channel, json: string): Promise<string> {
    if (this.closing) throw new BrokerUnavailableError()
    if (this.cmd.status !== 'ready' || !this.functionLoaded) return this.enqueue(channel, json)
    try {
      return await this.append(channel, json)
    }
    catch (error) {
      // The connection died before the command was sent: it is safe to keep
      // it for later. Any other failure may have reached Redis, so resending
      // could duplicate the event: the caller decides.
      if (String(error).includes('isn\'t writeable')) return this.enqueue(channel, json)
      throw error
    }
  }

  private enqueue(channel: Channel, json: string): Promise<string> {
    if (this.outbox.length >= (this.options.outboxLimit ?? 10_000)) return Promise.reject(new BrokerUnavailableError())
    return new Promise((resolve, reject) => this.outbox.push({ channel, json, resolve, reject }))
  }

  async publishLive(channel: Channel, json: string): Promise<void> {
    await this.cmd.publish(`${this.options.prefix}:${channel}`, json)
  }

  onMessage(handler: (message: BrokerMessage) => void): void {
    this.handler = handler
  }

  async replay(afterId: string, limit: number): Promise<ReplayResult> {
    if (afterId === ORIGIN_ID) {
      if (await this.wasTrimmed()) return { kind: 'reset', reason: 'expired' }
      return this.page('-', limit)
    }
    const entries = await this.cmd.xrange(this.logKey, afterId, '+', 'COUNT', limit + 1) as StreamEntry[]
    if (entries[0]?.[0] !== afterId) {
      const first = await this.firstId()
      const expired = first !== null && compareEventIds(afterId, first) < 0
      return { kind: 'reset', reason: expired ? 'expired' : 'unknown-id' }
    }
    const events = this.decodeEntries(entries.slice(1))
    return { kind: 'ok', events, truncated: entries.length > limit }
  }

  async range(fromId: string, toId: string, limit: number): Promise<BrokerMessage[]> {
    const entries = await this.cmd.xrange(this.logKey, fromId, toId, 'COUNT', limit) as StreamEntry[]
    return this.decodeEntries(entries)
  }

  async lastId(): Promise<string> {
    const entries = await this.cmd.xrevrange(this.logKey, '+', '-', 'COUNT', 1) as StreamEntry[]
    return entries[0]?.[0] ?? ORIGIN_ID
  }

  async ping(): Promise<number> {
    const started = performance.now()
    await this.cmd.ping()
    return performance.now() - started
  }

  stats(): BrokerStats {
    return { ...this.counters }
  }

  async close(): Promise<void> {
    this.closing = true
    for (const pending of this.outbox.splice(0)) pending.reject(new BrokerUnavailableError())
    await Promise.allSettled([this.cmd.quit(), this.sub.quit()])
    this.cmd.disconnect()
    this.sub.disconnect()
  }

  private async page(start: string, limit: number): Promise<ReplayResult> {
    const entries = await this.cmd.xrange(this.logKey, start, '+', 'COUNT', limit + 1) as StreamEntry[]
    return { kind: 'ok', events: this.decodeEntries(entries.slice(0, limit)), truncated: entries.length > limit }
  }

  /** True once anything was ever trimmed from the log (or the log was lost). */
  private async wasTrimmed(): Promise<boolean> {
    try {
      const info = await this.cmd.call('XINFO', 'STREAM', this.logKey) as unknown[]
      const field = (name: string) => info[info.indexOf(name) + 1]
      return Number(field('entries-added')) > Number(field('length'))
    }
    catch {
      return false // no stream yet: nothing was ever trimmed
    }
  }

  private async firstId(): Promise<string | null> {
    const entries = await this.cmd.xrange(this.logKey, '-', '+', 'COUNT', 1) as StreamEntry[]
    return entries[0]?.[0] ?? null
  }

  private async append(channel: Channel, json: string): Promise<string> {
    const { maxEvents, maxAgeMs } = this.options.retention
    const call = () => this.cmd.call('FCALL', PUBLISH_FUNCTION, 1, this.logKey, channel, json, maxEvents, maxAgeMs) as Promise<string>
    try {
      return await call()
    }
    catch (error) {
      // A Redis restarted without persistence has forgotten the function.
      if (!String(error).includes('Function not found')) throw error
      await this.loadFunction()
      return call()
    }
  }

  private async loadFunction(): Promise<void> {
    await this.cmd.call('FUNCTION', 'LOAD', 'REPLACE', FUNCTION_SOURCE)
    this.functionLoaded = true
  }

  private async onCommandReady(): Promise<void> {
    try {
      await this.loadFunction()
    }
    catch (error) {
      this.options.logger.error(`cannot load the publish function (Redis 7+ needed): ${(error as Error).message}`)
      return
    }
    for (const waiter of this.commandWaiters) waiter()
    this.commandWaiters.clear()
    this.markReadyIfComplete()
    // Announcements that came while this connection was away were not read yet.
    this.requestPull()
    await this.flushOutbox()
  }

  private async flushOutbox(): Promise<void> {
    while (this.outbox.length && this.cmd.status === 'ready') {
      const pending = this.outbox[0]!
      try {
        pending.resolve(await this.append(pending.channel, pending.json))
        this.outbox.shift()
      }
      catch (error) {
        if (this.cmd.status === 'ready') {
          // Redis refused this event itself: give it back to the caller.
          this.outbox.shift()
          pending.reject(error as Error)
        }
        return
      }
    }
  }

  private async onSubscriberReady(): Promise<void> {
    this.catchingUp = true
    try {
      await this.sub.subscribe(this.logKey, ...this.rawChannels.keys())
      this.subscribed = true
      await this.waitForCommandConnection()
      if (this.cursor === null) this.cursor = this.lastDelivered = await this.lastId()
      this.catchingUp = false
      // Whatever was appended while we were away (or during this start-up).
      this.requestPull()
      this.markReadyIfComplete()
    }
    catch (error) {
      this.options.logger.warn(`redis subscribe/catch-up failed, retrying on next connect: ${(error as Error).message}`)
      this.sub.disconnect(true)
    }
  }

  /**
   * An announcement on the log channel only means "the log grew": the broker
   * then reads the log itself from its cursor. Nothing published on that
   * channel is trusted, so a forged announcement cannot inject or reorder
   * events, and order and completeness come from the log alone. Pulls are
   * coalesced: one read in flight, at most one more queued.
   */
  private requestPull(): void {
    if (this.catchingUp || this.cursor === null) return
    if (this.pulling) {
      this.pullAgain = true
      return
    }
    this.pulling = true
    void this.pull().finally(() => {
      this.pulling = false
    })
  }

  private async pull(): Promise<void> {
    try {
      do {
        this.pullAgain = false
        for (;;) {
          const entries = await this.cmd.xrange(this.logKey, `(${this.cursor}`, '+', 'COUNT', 1000) as StreamEntry[]
          for (const message of this.decodeEntries(entries)) this.deliverDurable(message)
          // The cursor passes invalid entries too, so they are read only once.
          if (entries.length) this.cursor = entries[entries.length - 1]![0]
          if (entries.length < 1000) break
        }
      } while (this.pullAgain)
    }
    catch (error) {
      // The next (re)connection pulls again from the same cursor.
      this.options.logger.warn(`reading the log failed: ${(error as Error).message}`)
    }
  }

  private waitForCommandConnection(): Promise<void> {
    if (this.cmd.status === 'ready' && this.functionLoaded) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const waiter = () => {
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(() => {
        this.commandWaiters.delete(waiter)
        reject(new Error('command connection not ready'))
      }, 10_000)
      this.commandWaiters.add(waiter)
    })
  }

  private markReadyIfComplete(): void {
    if (this.state() === 'ready') this.everReady = true
  }

  private onDisconnected(): void {
    if (this.sub.status !== 'ready') {
      this.subscribed = false
      this.catchingUp = true
    }
    if (this.cmd.status !== 'ready') this.functionLoaded = false
  }

  private onPubSub(channel: string, message: string): void {
    if (channel === this.logKey) {
      this.requestPull()
      return
    }
    const target = this.rawChannels.get(channel)
    if (!target) return
    const normalized = normalizeJson(target, message, { source: 'external', timeMs: Date.now(), maxBytes: this.options.eventMaxBytes })
    if (!normalized.ok) {
      this.dropInvalid(`raw PUBLISH on ${channel}`, normalized.error)
      return
    }
    this.handler({ channel: target, json: normalized.json })
  }

  private decodeEntries(entries: StreamEntry[]): BrokerMessage[] {
    const out: BrokerMessage[] = []
    for (const [id, fields] of entries) {
      const channel = fields[fields.indexOf('c') + 1] ?? ''
      const json = fields[fields.indexOf('d') + 1] ?? ''
      const message = this.decodeDurable(id, channel, json)
      if (message) out.push(message)
    }
    return out
  }

  /**
   * Durable events may come from collectors calling the publish function
   * directly, so they are validated here too. Defaults derive from the id, so
   * every instance, live or replaying, produces the same bytes.
   */
  private decodeDurable(id: string, channel: string, json: string): BrokerMessage | null {
    const parsed = parseEventId(id)
    if (!parsed || !isChannel(channel)) {
      this.dropInvalid('log entry', `bad id or channel in ${id}`)
      return null
    }
    const normalized = normalizeJson(channel, json, { source: 'external', timeMs: parsed.ms, maxBytes: this.options.eventMaxBytes })
    if (!normalized.ok) {
      this.dropInvalid(`log entry ${id}`, normalized.error)
      return null
    }
    return { id, channel, json: normalized.json }
  }

  private deliverDurable(message: BrokerMessage): void {
    // Pub/Sub and catch-up may both carry an event: deliver each id once, in order.
    if (this.lastDelivered !== null && compareEventIds(message.id!, this.lastDelivered) <= 0) return
    this.lastDelivered = message.id!
    this.handler(message)
  }

  private dropInvalid(where: string, why: string): void {
    this.counters.invalidDropped++
    this.options.logger.warn(`dropped invalid event (${where}): ${why}`)
  }
}
