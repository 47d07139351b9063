/**
 * What `GET /api/snapshot` and `GET /api/history` answer: the contract between
 * the server's snapshot state and the dashboard store. Types only, so the
 * browser bundle pays nothing for importing them.
 */
import type { Alert, Health, LogLine, Metric } from './events'

/** A delivered alert or log line; `id` is absent for live-only events (raw PUBLISH). */
export interface Entry<T> {
  id?: string
  data: T
}

export interface Snapshot {
  /**
   * The state includes every durable event up to this id and none after it:
   * the browser opens the stream with `lastEventId=<this>`. `0-0` when the
   * log was empty (resume from its start); null only while the instance has
   * not read the log yet and saw no event (the browser then starts live).
   */
  lastEventId: string | null
  /** Server clock when the snapshot was taken (ISO), to correct the browser's clock skew. */
  takenAt: string
  /** False while the instance has not read its log yet (Redis still away): the state may be partial. */
  complete: boolean
  /** Interval of the stream's heartbeat events, for the browser's watchdog. */
  heartbeatMs: number
  /** Latest sample per source. */
  metrics: Metric[]
  /** Newest first. */
  alerts: Entry<Alert>[]
  /** Newest first. */
  logs: Entry<LogLine>[]
  /** Latest result per check and source. */
  health: Health[]
}

/** Retained samples of one source, column by column (compact on the wire). */
export interface MetricColumns {
  /** Sample time, epoch ms. */
  t: number[]
  cpu: number[]
  memory: number[]
  rps: number[]
  activeConnections: number[]
  errorRate: number[]
}

export interface MetricHistory {
  channel: 'metrics'
  /** Lower bound requested (epoch ms). */
  since: number
  /** Id of the newest event the history covers (inclusive). */
  until: string
  /** True when the sample cap was reached before `until`. */
  truncated: boolean
  sources: Record<string, MetricColumns>
}
