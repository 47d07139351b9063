import type { ServerResponse } from 'node:http'
import type { Channel } from '../../shared/events'
import { CHANNELS } from '../../shared/events'
import type { Broker, BrokerMessage, LogRetention } from './broker/types'
import { compareEventIds } from './broker/event-id'
import type { ClientFilter } from './sse/filter'
import { shareFilter } from './sse/filter'
import { encodeComment, encodeFrame, encodeHeartbeat, encodeRetry } from './sse/frame'
import type { CloseReason, ConnectionEvents } from './sse/connection'
import { SseConnection } from './sse/connection'
import { WireFrame } from './sse/wire-frame'
import { EncodedMessage } from './sse/encoded-message'
import { RecentLog } from './recent-log'
import type { Counters } from './counters'
import type { Logger } from './logger'

export interface HubOptions {
  heartbeatMs: number
  retryMs: number
  maxQueueBytes: number
  /** Events fetched per replay page. */
  replayPageSize?: number
  /** Newest durable events kept in memory for resumes (count, approximate bytes). */
  recentEvents?: number
  recentBytes?: number
  /** The log's retention: the in-memory window answers no resume the log would not. */
  retention?: LogRetention
  /**
   * Admits a message by its source before anything else sees it (the
   * `NUXT_MAX_SOURCES` cap): a refused message reaches no listener and no client.
   */
  admitSource?: (source: string) => boolean
}

/**
 * Tracks this instance's stream clients and fans every broker message out to
 * them. Each message is encoded once per distinct projection and the same
 * bytes are written to every matching client.
 */
export class Hub {
  private readonly byChannel = new Map<Channel, Set<SseConnection>>(CHANNELS.map(c => [c, new Set()]))
  private readonly all = new Set<SseConnection>()
  private readonly listeners = new Set<(message: BrokerMessage) => void>()
  private heartbeat: ReturnType<typeof setInterval> | null = null
  private shuttingDown = false
  /** The retry hint and a comment every new stream starts with, encoded once. */
  private readonly greeting: WireFrame
  private readonly recent: RecentLog
  /** One object for every connection (no per-connection closures). */
  private readonly connectionEvents: ConnectionEvents = {
    delivered: (count) => {
      this.counters.eventsDelivered += count
    },
    closed: (connection, reason) => this.remove(connection, reason),
  }

  constructor(
    private readonly broker: Broker,
    private readonly options: HubOptions,
    private readonly counters: Counters,
    private readonly logger: Logger,
  ) {
    this.greeting = WireFrame.of(encodeRetry(options.retryMs) + encodeComment('connected'))
    this.recent = new RecentLog(options.recentEvents ?? 1000, options.recentBytes ?? 4 * 1024 * 1024, options.retention)
    broker.setConsumer(message => this.dispatch(message))
    broker.onLogReset?.(() => this.resetAll())
  }

  get size(): number {
    return this.all.size
  }

  start(): void {
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs)
    this.heartbeat.unref()
  }

  /** Observers of every message this instance receives (snapshot state, alerts). */
  onMessage(listener: (message: BrokerMessage) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Takes over a response whose headers were already sent: writes the retry
   * hint, replays what the client missed after `lastEventId`, then streams
   * live until the connection ends (the hub forgets it then). Nothing is
   * returned to wait on: a stream can stay open for days, and everything a
   * caller kept alive meanwhile would cost memory per open stream.
   */
  attach(res: ServerResponse, filter: ClientFilter, lastEventId: string | null): void {
    if (this.shuttingDown) {
      res.end(encodeRetry(this.jitteredRetry()))
      return
    }
    const connection = new SseConnection(res, shareFilter(filter), this.options.maxQueueBytes, this.connectionEvents)
    connection.writeControl(this.greeting, true)
    this.add(connection)
    if (lastEventId !== null && !this.resumeFromMemory(connection, lastEventId)) void this.resume(connection, lastEventId)
  }

  /**
   * The log this instance read was lost or replaced (a Redis restarted
   * empty, a failover to a replica without the newest entries; see
   * `broker/log-identity.ts`). Every client is told `reset` and starts again
   * from a snapshot; ids kept for resumes from memory name events of the old
   * log, so they are forgotten.
   */
  resetAll(): void {
    this.recent.clear()
    const frame = WireFrame.of(encodeFrame({ event: 'reset', data: JSON.stringify({ reason: 'log-replaced' }) }))
    for (const connection of this.all) connection.writeControl(frame, true)
  }

  /** Ends every stream with a short, jittered retry so clients spread over the other instances. */
  shutdown(): void {
    this.shuttingDown = true
    if (this.heartbeat) clearInterval(this.heartbeat)
    for (const connection of [...this.all]) connection.close('shutdown', encodeRetry(this.jitteredRetry()))
  }

  private jitteredRetry(): number {
    return 250 + Math.floor(Math.random() * 1000)
  }

  private add(connection: SseConnection): void {
    this.all.add(connection)
    for (const channel of connection.filter.channels) this.byChannel.get(channel)!.add(connection)
  }

  private remove(connection: SseConnection, reason: CloseReason): void {
    if (!this.all.delete(connection)) return
    for (const channel of connection.filter.channels) this.byChannel.get(channel)!.delete(connection)
    if (reason === 'slow') {
      this.counters.slowDisconnects++
      this.logger.warn('disconnected a client that could not keep up; it will resume with Last-Event-ID')
    }
  }

  /**
   * Sends what the client missed from the recent messages, if its id is
   * among them and the catch-up fits well inside its queue bound (a longer
   * one is paced through the log instead). Synchronous: no live event can
   * come in between, so there is neither a gap nor a duplicate.
   */
  private resumeFromMemory(connection: SseConnection, lastEventId: string): boolean {
    const missed = this.recent.after(lastEventId)
    if (!missed) return false
    const { channels } = connection.filter
    const wanted = missed.filter(entry => channels.has(entry.message.channel))
    const bytes = wanted.reduce((sum, entry) => sum + entry.approximateBytes, 0)
    if (bytes > this.options.maxQueueBytes / 2) return false
    for (const entry of wanted) connection.send(entry.frameFor(connection.filter), entry.conflationKey, entry.message.id)
    return true
  }

  /** Replays from the broker's log, paced by the socket, holding live frames meanwhile. */
  private async resume(connection: SseConnection, lastEventId: string): Promise<void> {
    connection.beginReplay()
    let cursor = lastEventId
    let reset = false
    const pageSize = this.options.replayPageSize ?? 500
    for (let attempt = 0; !connection.closed; attempt++) {
      try {
        // Other channels are skipped in the broker before any decoding.
        const result = await this.broker.replay(cursor, pageSize, connection.filter.channels)
        if (result.kind === 'reset') {
          connection.writeControl(WireFrame.of(encodeFrame({ event: 'reset', data: JSON.stringify({ reason: result.reason }) })), true)
          reset = true
          break
        }
        for (const message of result.events) {
          await connection.writeReplayed(new EncodedMessage(message).frameFor(connection.filter))
        }
        cursor = result.cursor
        if (!result.truncated) break
        // One page per turn of the event loop: a long replay cannot starve other streams.
        await new Promise(resolve => setImmediate(resolve))
      }
      catch (error) {
        // The broker is away: keep holding live frames (bounded) and try again.
        if (attempt % 20 === 0) this.logger.warn(`replay failed, retrying: ${(error as Error).message}`)
        await new Promise(resolve => setTimeout(resolve, 250))
      }
    }
    const last = cursor
    // After a reset the client's id means nothing here: everything live goes out.
    connection.finishReplay(reset ? () => true : id => compareEventIds(id, last) > 0)
  }

  private dispatch(message: BrokerMessage): void {
    const encoded = new EncodedMessage(message)
    if (this.options.admitSource && !this.options.admitSource(encoded.source)) return
    for (const listener of this.listeners) {
      try {
        listener(message)
      }
      catch (error) {
        this.logger.error(`message listener failed: ${(error as Error).message}`)
      }
    }
    this.recent.push(encoded)
    const targets = this.byChannel.get(message.channel)!
    if (targets.size === 0) return
    // One parse per event, one frame per distinct projection, shared by all.
    const conflationKey = encoded.conflationKey
    for (const connection of targets) connection.send(encoded.frameFor(connection.filter), conflationKey, message.id)
  }

  private beat(): void {
    const frame = WireFrame.of(encodeHeartbeat(Date.now()))
    for (const connection of this.all) connection.writeControl(frame)
  }
}
