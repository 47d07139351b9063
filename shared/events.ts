/**
 * The event contract shared by the server and the dashboard.
 * Every payload that enters Pulseboard (ingest API, raw Redis PUBLISH, the
 * built-in sources) is validated against these schemas; the types are derived
 * from them so there is exactly one definition.
 */
import { z } from 'zod'
import type { Channel } from './channels'
import { findShapeProblem, hasLoneSurrogate, MAX_FIELDS_DEPTH } from './json-shape'

export { CHANNELS, EVENT_NAMES, isChannel, METRIC_FIELDS } from './channels'
export type { Channel, MetricField } from './channels'

/**
 * The last epoch millisecond with a four-digit year (9999-12-31T23:59:59.999Z):
 * later ones have no ISO form that the timestamp schema accepts back, and past
 * 8.64e15 a Date cannot hold them at all (toISOString() throws).
 */
export const MAX_TIMESTAMP_MS = 253_402_300_799_999
/**
 * Ceiling for counts and rates (requests/s, connections, latency): far above
 * any real host, low enough that summing every source a dashboard tracks
 * stays a finite number.
 */
export const MAX_COUNT = 1e9

/** Text that the log's JSON decoder accepts: no lone surrogates. */
const text = (min: number, max: number) => z.string().min(min).max(max)
  .refine(value => !hasLoneSurrogate(value), 'contains a lone UTF-16 surrogate')
const source = text(1, 128)
// Accepts ISO strings (simple collectors) and epoch milliseconds within the
// range a Date can hold (anything later would make toISOString() throw).
const timestamp = z.union([
  z.iso.datetime({ offset: true }),
  z.number().int().nonnegative().max(MAX_TIMESTAMP_MS).transform(ms => new Date(ms).toISOString()),
])
const percent = z.number().finite().min(0).max(100)
const count = z.number().finite().nonnegative().max(MAX_COUNT)
/** Free-form structured context, as deep and as well-formed as the log can store. */
const fields = z.record(text(0, 128), z.unknown()).superRefine((value, ctx) => {
  const problem = findShapeProblem(value, MAX_FIELDS_DEPTH)
  if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path })
})

export const MetricSchema = z.object({
  source: source.optional(),
  /** Machine the sample describes, when several sources share one (host-scoped alert rules). */
  host: source.optional(),
  cpu: percent,
  memory: percent,
  rps: count,
  activeConnections: count,
  errorRate: percent,
  timestamp: timestamp.optional(),
})

export const AlertSchema = z.object({
  level: z.enum(['info', 'warning', 'critical']),
  message: text(1, 2000),
  source: source.optional(),
  timestamp: timestamp.optional(),
})

export const LogSchema = z.object({
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: text(1, 8000),
  source: source.optional(),
  timestamp: timestamp.optional(),
  fields: fields.optional(),
})

export const HealthSchema = z.object({
  check: text(1, 128),
  status: z.enum(['ok', 'degraded', 'down']),
  latencyMs: count.optional(),
  detail: text(0, 2000).optional(),
  source: source.optional(),
  timestamp: timestamp.optional(),
})

export const PAYLOAD_SCHEMAS = {
  metrics: MetricSchema,
  alerts: AlertSchema,
  logs: LogSchema,
  health: HealthSchema,
} as const

/** What a producer may send: `source` and `timestamp` are optional. */
export type MetricInput = z.input<typeof MetricSchema>
export type AlertInput = z.input<typeof AlertSchema>
export type LogInput = z.input<typeof LogSchema>
export type HealthInput = z.input<typeof HealthSchema>

/** What every consumer receives: the server always fills `source` and `timestamp`. */
type Filled<T> = Omit<T, 'source' | 'timestamp'> & { source: string, timestamp: string }
export type Metric = Filled<z.output<typeof MetricSchema>>
export type Alert = Filled<z.output<typeof AlertSchema>>
export type LogLine = Filled<z.output<typeof LogSchema>>
export type Health = Filled<z.output<typeof HealthSchema>>

export interface PayloadOf {
  metrics: Metric
  alerts: Alert
  logs: LogLine
  health: Health
}
export interface InputOf {
  metrics: MetricInput
  alerts: AlertInput
  logs: LogInput
  health: HealthInput
}

/** A delivered event as the dashboard sees it. `id` is absent for live-only events. */
export interface DashboardEvent<C extends Channel = Channel> {
  id?: string
  channel: C
  data: PayloadOf[C]
}
