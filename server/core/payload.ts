import type { Channel } from '../../shared/events'
import { PAYLOAD_SCHEMAS } from '../../shared/events'

export type NormalizeResult
  = | { ok: true, json: string, data: Record<string, unknown> }
    | { ok: false, error: string }

export interface Defaults {
  /** Used when the producer did not say where the event comes from. */
  source: string
  /** Epoch ms used when the producer sent no timestamp. */
  timeMs: number
}

/**
 * Validates a payload against its channel's schema and fills `source` and
 * `timestamp`. The result is the canonical JSON text that is logged,
 * published and framed, so every instance sends the same bytes.
 */
export function normalizePayload(channel: Channel, value: unknown, defaults: Defaults): NormalizeResult {
  const parsed = PAYLOAD_SCHEMAS[channel].safeParse(value)
  if (!parsed.success) return { ok: false, error: describeIssue(parsed.error.issues[0]) }
  const data: Record<string, unknown> = {
    ...parsed.data,
    source: parsed.data.source ?? defaults.source,
    timestamp: parsed.data.timestamp ?? new Date(defaults.timeMs).toISOString(),
  }
  return { ok: true, json: JSON.stringify(data), data }
}

/** Same as `normalizePayload` for JSON text (from Redis or an HTTP body). */
export function normalizeJson(channel: Channel, text: string, defaults: Defaults): NormalizeResult {
  let value: unknown
  try {
    value = JSON.parse(text)
  }
  catch {
    return { ok: false, error: 'payload is not valid JSON' }
  }
  return normalizePayload(channel, value, defaults)
}

interface Issue { path: PropertyKey[], message: string }

/** "field `cpu`: Too big: expected number to be <=100" — names the field, never echoes the value. */
export function describeIssue(issue: Issue | undefined): string {
  if (!issue) return 'invalid payload'
  const path = issue.path.map(String).join('.')
  return path ? `field \`${path}\`: ${issue.message}` : issue.message
}
