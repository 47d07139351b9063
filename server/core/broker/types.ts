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
  = | {
    kind: 'ok'
    events: BrokerMessage[]
    /** Id of the last log entry examined (delivered, filtered out or invalid): the next page starts after it. */
    cursor: string
    /** more may follow after `cursor` */
    truncated: boolean
  }
  | { kind: 'reset', reason: 'unknown-id' | 'expired' }

export interface PublishOptions {
  /**
   * 1–200 printable ASCII characters. The first publish with a key appends and
   * remembers the ids (atomically, in the log's store); a repeat with the same
   * key and body appends nothing and answers the same ids; the same key with
   * another body is refused (`IdempotencyConflictError`).
   */
  idempotencyKey?: string
  /**
   * What "the same body" means for the key. Default: a hash of the channel
   * and the events. Ingest passes a hash of the request body, since the
   * events it appends carry defaults (time, instance) that differ per attempt.
   */
  fingerprint?: string
  /**
   * Give up with `BrokerUnavailableError` when the batch is not accepted
   * within this many ms (requests that answer a client). Default: wait in the
   * outbox until the broker is back (the instance's own events).
   */
  waitMs?: number
}

export interface PublishResult {
  /** One id per event, in batch order. */
  ids: string[]
  /** true: the key was seen before, nothing was published now */
  replayed: boolean
}

/** Longest idempotency key accepted (printable ASCII, see `isIdempotencyKey`). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200

export function isIdempotencyKey(key: string): boolean {
  return key.length >= 1 && key.length <= MAX_IDEMPOTENCY_KEY_LENGTH && /^[\x20-\x7e]+$/.test(key)
}

export interface BrokerStats {
  reconnects: number
  /** durable events the broker received from the log but dropped as invalid */
  invalidDropped: number
  /** publishes answered from an idempotency key instead of appending again */
  idempotentReplays: number
  /** the Redis process holding the log changed: a failover or a restart (see `log-identity.ts`) */
  primaryChanges: number
  /** the log was found lost or replaced; this instance's clients were sent `reset` */
  logResets: number
}

/**
 * The broker carries events between instances and keeps the retained log.
 *
 * Delivery guarantees (both implementations, checked by one contract suite,
 * tests/unit/broker-contract.test.ts):
 * - Durable events get one global id from the log and reach this instance's
 *   consumer exactly once, in id order, including events appended while this
 *   instance could not reach Redis (read from the log once it answers).
 * - A log entry that cannot be decoded is counted (`invalidDropped`), logged
 *   and skipped: no entry can hold delivery back.
 * - Publishes leave this instance in one ordered queue: while anything waits
 *   (an outage), later publishes wait behind it, so ids follow call order.
 * - `publish`/`publishBatch` resolve only once every event is in the log. A
 *   batch is appended by one atomic step: all of it or none of it. Every
 *   publish carries an idempotency key (the caller's, or one this instance
 *   makes up), so a resend after an ambiguous failure cannot duplicate.
 * - Live-only events (`publishLive`, raw `PUBLISH` on a channel) are
 *   fire-and-forget: no id, no history, lost while disconnected.
 * - `replay(afterId)` returns exactly the retained durable events after that
 *   id, or `reset` when the id was never issued or is older than the
 *   retention (`maxAgeMs` by this instance's clock, or trimmed by count).
 */
export interface Broker {
  readonly kind: 'memory' | 'redis'
  state(): BrokerState
  /** Starts connecting; never throws and never blocks request handling. */
  start(): void
  /** One durable event; waits in the outbox while the broker is away. */
  publish(channel: Channel, json: string): Promise<string>
  /** Several durable events of one channel, appended atomically (all or none). */
  publishBatch(channel: Channel, jsons: string[], options?: PublishOptions): Promise<PublishResult>
  publishLive(channel: Channel, json: string): Promise<void>
  /**
   * Sets THE consumer of this instance (the hub): every message goes to this
   * one function; a second call replaces it. Others observe via `hub.onMessage`.
   */
  setConsumer(consumer: (message: BrokerMessage) => void): void
  /**
   * Retained durable events strictly after `afterId`, examining at most
   * `limit` log entries. With `channels`, other channels are skipped before
   * any decoding (the cursor still moves past them).
   */
  replay(afterId: string, limit: number, channels?: ReadonlySet<Channel>): Promise<ReplayResult>
  /** Retained durable events with ids between two bounds, inclusive, oldest first. */
  range(fromId: string, toId: string, limit: number): Promise<BrokerMessage[]>
  /** Id of the newest retained durable event, or `0-0` when the log is empty. */
  lastId(): Promise<string>
  /** Round trip to the backing store in milliseconds. */
  ping(): Promise<number>
  stats(): BrokerStats
  /**
   * Listens for the log being lost or replaced under this instance (Redis
   * restarted empty, a failover to a replica without the newest entries):
   * ids handed out before mean nothing now. Only a broker backed by a store
   * that can lose its log has it.
   */
  onLogReset?(listener: () => void): void
  close(): Promise<void>
}

export interface LogRetention {
  maxAgeMs: number
  maxEvents: number
}

/** Settings every broker enforces on what enters the log. */
export interface BrokerLimits {
  /** Largest event (JSON bytes, UTF-8) accepted into the log (`NUXT_EVENT_MAX_BYTES`). */
  eventMaxBytes: number
  /** How long an idempotency key is remembered (`NUXT_INGEST_IDEMPOTENCY_TTL_S`). */
  idempotencyTtlS: number
}
