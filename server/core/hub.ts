import type { ServerResponse } from 'node:http'
import type { Channel } from '../../shared/events'
import { CHANNELS, EVENT_NAMES } from '../../shared/events'
import type { Broker, BrokerMessage } from './broker/types'
import { compareEventIds } from './broker/event-id'
import type { ClientFilter } from './sse/filter'
import { projectMetric } from './sse/filter'
import { encodeComment, encodeFrame, encodeHeartbeat, encodeRetry } from './sse/frame'
import type { CloseReason } from './sse/connection'
import { SseConnection } from './sse/connection'
import type { Counters } from './counters'
import type { Logger } from './logger'

export interface HubOptions {
  heartbeatMs: number
  retryMs: number
  maxQueueBytes: number
  /** Events fetched per replay page. */
  replayPageSize?: number
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

  constructor(
    private readonly broker: Broker,
    private readonly options: HubOptions,
    private readonly counters: Counters,
    private readonly logger: Logger,
  ) {
    broker.onMessage(message => this.dispatch(message))
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
   * live. Resolves when the connection ends.
   */
  async attach(res: ServerResponse, filter: ClientFilter, lastEventId: string | null): Promise<CloseReason> {
    if (this.shuttingDown) {
      res.end(encodeRetry(this.jitteredRetry()))
      return 'shutdown'
    }
    const closed = new Promise<CloseReason>((resolve) => {
      const connection = new SseConnection(res, filter, this.options.maxQueueBytes, {
        delivered: (count) => { this.counters.eventsDelivered += count },
        closed: (conn, reason) => {
          this.remove(conn, reason)
          resolve(reason)
        },
      })
      connection.writeControl(encodeRetry(this.options.retryMs) + encodeComment('connected'), true)
      this.add(connection)
      if (lastEventId !== null) void this.resume(connection, lastEventId)
    })
    return closed
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

  private async resume(connection: SseConnection, lastEventId: string): Promise<void> {
    connection.beginReplay()
    let cursor = lastEventId
    let reset = false
    const pageSize = this.options.replayPageSize ?? 500
    for (let attempt = 0; !connection.closed; attempt++) {
      try {
        const result = await this.broker.replay(cursor, pageSize)
        if (result.kind === 'reset') {
          connection.writeControl(encodeFrame({ event: 'reset', data: JSON.stringify({ reason: result.reason }) }), true)
          reset = true
          break
        }
        for (const message of result.events) {
          cursor = message.id!
          if (connection.filter.channels.has(message.channel)) {
            await connection.writeReplayed(Buffer.from(this.encode(message, connection.filter.metricFields, null)))
          }
        }
        if (!result.truncated) break
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
    for (const listener of this.listeners) {
      try {
        listener(message)
      }
      catch (error) {
        this.logger.error(`message listener failed: ${(error as Error).message}`)
      }
    }
    const targets = this.byChannel.get(message.channel)!
    if (targets.size === 0) return
    if (message.channel !== 'metrics') {
      const frame = Buffer.from(this.encode(message, null, null))
      for (const connection of targets) connection.send(frame, undefined, message.id)
      return
    }
    // Metrics: one parse per event, one frame per distinct projection.
    const metric = JSON.parse(message.json) as Record<string, unknown>
    const conflationKey = String(metric.source)
    const frames = new Map<string, Buffer>()
    for (const connection of targets) {
      const { projectionKey, metricFields } = connection.filter
      let frame = frames.get(projectionKey)
      if (!frame) {
        frame = Buffer.from(this.encode(message, metricFields, metric))
        frames.set(projectionKey, frame)
      }
      connection.send(frame, conflationKey, message.id)
    }
  }

  private encode(message: BrokerMessage, fields: ClientFilter['metricFields'], parsed: Record<string, unknown> | null): string {
    let data = message.json
    if (message.channel === 'metrics' && fields) {
      data = JSON.stringify(projectMetric(parsed ?? JSON.parse(message.json), fields))
    }
    return encodeFrame({ id: message.id, event: EVENT_NAMES[message.channel], data })
  }

  private beat(): void {
    const frame = Buffer.from(encodeHeartbeat(Date.now()))
    for (const connection of this.all) connection.writeControl(frame)
  }
}
