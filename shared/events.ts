/**
 * The event contract shared by the server and the dashboard.
 * Every payload that enters Pulseboard (ingest API, raw Redis PUBLISH, the
 * built-in sources) is validated against these schemas; the types are derived
 * from them so there is exactly one definition.
 */
import { z } from 'zod'
import type { Channel } from './channels'

export { CHANNELS, EVENT_NAMES, isChannel, METRIC_FIELDS } from './channels'
export type { Channel, MetricField } from './channels'

const source = z.string().min(1).max(128)
// Accepts ISO strings (simple collectors) and epoch milliseconds.
const timestamp = z.union([
  z.iso.datetime({ offset: true }),
  z.number().int().nonnegative().transform(ms => new Date(ms).toISOString()),
])
const percent = z.number().finite().min(0).max(100)
const count = z.number().finite().nonnegative()

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
  message: z.string().min(1).max(2000),
  source: source.optional(),
  timestamp: timestamp.optional(),
})

export const LogSchema = z.object({
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string().min(1).max(8000),
  source: source.optional(),
  timestamp: timestamp.optional(),
  fields: z.record(z.string().max(128), z.unknown()).optional(),
})

export const HealthSchema = z.object({
  check: z.string().min(1).max(128),
  status: z.enum(['ok', 'degraded', 'down']),
  latencyMs: z.number().finite().nonnegative().optional(),
  detail: z.string().max(2000).optional(),
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
