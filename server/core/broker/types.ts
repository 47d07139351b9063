import type { Channel } from '../../../shared/events'

/**
 * A message as it travels between the broker and the hub: the payload is the
 * validated, normalised JSON text, so it is encoded into an SSE frame once.
 */
export interface BrokerMessage {
  /** Global id for durable events; absent for live-only ones (raw PUBLISH). */
  id?: string
  channel: Channel
  /** Validated JSON text of the payload. */
  json: string
}

export type BrokerState = 'connecting' | 'ready' | 'down'

export type ReplayResult
  = | { kind: 'ok', events: BrokerMessage[], /** more may follow after the last event */ truncated: boolean }
    | { kind: 'reset', reason: 'unknown-id' | 'expired' }

export interface BrokerStats {
  reconnects: number
  /** durable events the broker received from the log but dropped as invalid */
  invalidDropped: number
}

/**
 * The broker carries events between instances and keeps the retained log.
 *
 * Delivery guarantees (both implementations, checked by one contract suite):
 * - Durable events (`publish`) get one global id from the log and reach every
 *   subscriber exactly once, in id order, including events published while
 *   this instance was disconnected from Redis (caught up from the log after
 *   the reconnect).
 * - `publish` resolves only once the event is in the log; if it rejects the
 *   event was not accepted and the caller still owns it.
 * - Live-only events (`publishLive`, raw `PUBLISH` on a channel) are
 *   fire-and-forget: no id, no history, lost while disconnected.
 * - `replay(afterId)` returns exactly the retained durable events after that
 *   id, or `reset` when the id was never issued or is older than the log.
 */
export interface Broker {
  readonly kind: 'memory' | 'redis'
  state(): BrokerState
  /** Starts connecting; never throws and never blocks request handling. */
  start(): void
  publish(channel: Channel, json: string): Promise<string>
  publishLive(channel: Channel, json: string): Promise<void>
  /** Registers the single consumer of this instance (the hub). */
  onMessage(handler: (message: BrokerMessage) => void): void
  /** Retained durable events strictly after `afterId` (up to `limit`). */
  replay(afterId: string, limit: number): Promise<ReplayResult>
  /** Retained durable events with ids between two bounds, inclusive, oldest first. */
  range(fromId: string, toId: string, limit: number): Promise<BrokerMessage[]>
  /** Id of the newest retained durable event, or `0-0` when the log is empty. */
  lastId(): Promise<string>
  /** Round trip to the backing store in milliseconds. */
  ping(): Promise<number>
  stats(): BrokerStats
  close(): Promise<void>
}

export interface LogRetention {
  maxAgeMs: number
  maxEvents: number
}
