/**
 * Channel names, SSE event names and metric fields: plain constants with no
 * dependency, so the browser bundle can import them without pulling zod in
 * (`shared/events.ts` re-exports everything here next to the schemas).
 */
export const CHANNELS = ['metrics', 'alerts', 'logs', 'health'] as const
export type Channel = (typeof CHANNELS)[number]

/** SSE `event:` name of each channel (README, Event contract). */
export const EVENT_NAMES: Readonly<Record<Channel, string>> = {
  metrics: 'metric-update',
  alerts: 'alert',
  logs: 'log',
  health: 'health',
}

export function isChannel(value: string): value is Channel {
  return (CHANNELS as readonly string[]).includes(value)
}

export const METRIC_FIELDS = ['cpu', 'memory', 'rps', 'activeConnections', 'errorRate'] as const
export type MetricField = (typeof METRIC_FIELDS)[number]
