import type { Channel } from '../../shared/events'
import { PAYLOAD_SCHEMAS } from '../../shared/events'

/** Default for `NUXT_EVENT_MAX_BYTES`: the largest normalised event, in UTF-8 bytes. */
export const DEFAULT_EVENT_MAX_BYTES = 16_384

export type NormalizeResult
  = | { ok: true, json: string, data: Record<string, unknown> }
    | { ok: false, error: string, /** `too-large` maps to 413 at ingest, `invalid` to 400 */ reason: 'invalid' | 'too-large' }

export interface Defaults {
  /** Used when the producer did not say where the event comes from. */
  source: string
  /** Epoch ms used when the producer sent no timestamp. */
  timeMs: number
  /** Largest normalised event in UTF-8 bytes (`NUXT_EVENT_MAX_BYTES`). @default 16384 */
  maxBytes?: number
}

const invalid = (error: string): NormalizeResult => ({ ok: false, error, reason: 'invalid' })
const tooLarge = (limit: number): NormalizeResult => ({ ok: false, error: `event larger than ${limit} bytes`, reason: 'too-large' })

/**
 * Validates a payload against its channel's schema and fills `source` and
 * `timestamp`. The result is the canonical JSON text that is logged,
 * published and framed, so every instance sends the same bytes.
 *
 * Never throws, whatever `value` is: one bad event from one producer must not
 * stop the reader that decodes it for every client (README, "Event contract").
 */
export function normalizePayload(channel: Channel, value: unknown, defaults: Defaults): NormalizeResult {
  try {
    const schema = PAYLOAD_SCHEMAS[channel]
    const parsed = schema.safeParse(value)
    if (!parsed.success) return invalid(describeIssue(parsed.error.issues[0]))
    const filled: Record<string, unknown> = {
      ...parsed.data,
      source: parsed.data.source ?? defaults.source,
      timestamp: parsed.data.timestamp ?? new Date(defaults.timeMs).toISOString(),
    }
    // Keys in the schema's order whatever the producer sent, so normalising
    // the output again gives the same bytes.
    const data: Record<string, unknown> = {}
    for (const key of Object.keys(schema.shape)) {
      if (filled[key] !== undefined) data[key] = filled[key]
    }
    const json = JSON.stringify(data)
    const limit = defaults.maxBytes ?? DEFAULT_EVENT_MAX_BYTES
    if (json.length > limit || Buffer.byteLength(json) > limit) return tooLarge(limit)
    return { ok: true, json, data }
  }
  catch {
    // A value no schema anticipated (a getter that throws, a BigInt in `fields`).
    return invalid('payload could not be validated')
  }
}

/** Same as `normalizePayload` for JSON text (from Redis or an HTTP body). */
export function normalizeJson(channel: Channel, text: string, defaults: Defaults): NormalizeResult {
  const limit = defaults.maxBytes ?? DEFAULT_EVENT_MAX_BYTES
  if (typeof text !== 'string') return invalid('payload is not valid JSON')
  // UTF-16 length ≤ UTF-8 bytes: longer text is too large without parsing it
  // (the normalised text is measured exactly afterwards).
  if (text.length > limit) return tooLarge(limit)
  let value: unknown
  try {
    value = JSON.parse(text)
  }
  catch {
    return invalid('payload is not valid JSON')
  }
  return normalizePayload(channel, value, defaults)
}

interface Issue { path: PropertyKey[], message: string }

/** "field `cpu`: Too big: expected number to be <=100" — names the field, never echoes the value. */
export function describeIssue(issue: Issue | undefined): string {
  if (!issue) return 'invalid payload'
  const path = issue.path.map(part => String(part).slice(0, 64)).join('.').slice(0, 200)
  return path ? `field \`${path}\`: ${issue.message}` : issue.message
}
