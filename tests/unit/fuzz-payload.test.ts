import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { CHANNELS, MAX_TIMESTAMP_MS } from '../../shared/events'
import { MAX_FIELDS_DEPTH } from '../../shared/json-shape'
import { normalizeJson, normalizePayload } from '../../server/core/payload'

const defaults = { source: 'node-a', timeMs: Date.UTC(2026, 0, 1) }
const channel = fc.constantFrom(...CHANNELS)

/** Values that sit at the edges of what the schemas check. */
const edgeNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(8_640_000_000_000_000, 8_640_000_000_000_001, Number.MAX_SAFE_INTEGER, 1e308, -0, -1, 0.5, 1e21),
  fc.integer(),
)
const edgeString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('a\ud800b', '\udc00', '\ud83d\ude00', '2026-01-01T00:00:00Z', '+275760-09-13T00:00:00.001Z', 'info', 'warn', 'ok', ''),
)
const leaf = fc.oneof(edgeNumber, edgeString, fc.boolean(), fc.constant(null))
/** Objects shaped like real payloads, with any field swapped for a hostile value. */
const payloadLike = fc.record({
  cpu: fc.oneof(edgeNumber, leaf), memory: edgeNumber, rps: edgeNumber, activeConnections: edgeNumber, errorRate: edgeNumber,
  level: fc.constantFrom('info', 'warning', 'critical', 'debug', 'warn', 'error', 'panic'),
  message: edgeString, source: fc.oneof(edgeString, leaf), timestamp: fc.oneof(edgeNumber, edgeString),
  check: edgeString, status: fc.constantFrom('ok', 'degraded', 'down', 'x'), latencyMs: edgeNumber, detail: edgeString,
  fields: fc.oneof(fc.jsonValue({ maxDepth: 12 }), fc.dictionary(edgeString, leaf)),
}, { requiredKeys: [] })
const anyValue = fc.oneof(payloadLike, fc.jsonValue(), fc.anything())

function nested(depth: number): unknown {
  let value: unknown = 'leaf'
  for (let i = 0; i < depth; i++) value = { a: value }
  return value
}

describe('property: the decoder never throws', () => {
  it('on arbitrary text, and what it accepts validates again to the same bytes', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      payloadLike.map(value => JSON.stringify(value)),
      fc.jsonValue().map(value => JSON.stringify(value)),
    )
    fc.assert(fc.property(channel, text, (name, input) => {
      const result = normalizeJson(name, input, defaults)
      if (!result.ok) {
        expect(result.error.length).toBeLessThan(400)
        return
      }
      const again = normalizeJson(name, result.json, { source: 'other', timeMs: 0 })
      expect(again.ok && again.json).toBe(result.json)
    }), { numRuns: 3000 })
  }, 60_000)

  it('on arbitrary values, including ones JSON cannot hold', () => {
    fc.assert(fc.property(channel, anyValue, (name, value) => {
      const result = normalizePayload(name, value, defaults)
      if (result.ok) expect(normalizeJson(name, result.json, defaults).ok).toBe(true)
    }), { numRuns: 3000 })
  }, 60_000)
})

describe('what the log cannot store is refused, naming the field', () => {
  it('a timestamp past the last valid date', () => {
    const result = normalizeJson('alerts', '{"level":"info","message":"x","timestamp":8640000000000001}', defaults)
    expect(result).toMatchObject({ ok: false, reason: 'invalid' })
    expect(!result.ok && result.error).toMatch(/field `timestamp`/)
    expect(normalizePayload('alerts', { level: 'info', message: 'x', timestamp: 8_640_000_000_000_000 }, defaults).ok).toBe(false)
    const last = normalizePayload('alerts', { level: 'info', message: 'x', timestamp: MAX_TIMESTAMP_MS }, defaults)
    expect(last.ok && last.data.timestamp).toBe('9999-12-31T23:59:59.999Z')
  })

  it.each([
    ['alerts', '{"level":"info","message":"a\\ud800b"}', /field `message`: contains a lone UTF-16 surrogate/],
    ['alerts', '{"level":"info","message":"x","source":"\\udc00"}', /field `source`/],
    ['logs', '{"level":"info","message":"x","fields":{"k":["ok","\\ud800"]}}', /field `fields.k.1`/],
    ['logs', '{"level":"info","message":"x","fields":{"\\ud800":1}}', /field `fields/],
    ['health', '{"check":"db","status":"ok","detail":"\\ud800"}', /field `detail`/],
  ] as const)('a lone surrogate (%s %s)', (name, text, error) => {
    const result = normalizeJson(name, text, defaults)
    expect(result.ok).toBe(false)
    expect(!result.ok && result.error).toMatch(error)
  })

  it('keeps surrogate pairs (emoji)', () => {
    const result = normalizeJson('alerts', '{"level":"info","message":"disk \\ud83d\\udd25"}', defaults)
    expect(result.ok && result.data.message).toBe('disk 🔥')
  })

  it('fields nested deeper than the limit, at any size', () => {
    const ok = normalizePayload('logs', { level: 'info', message: 'x', fields: nested(MAX_FIELDS_DEPTH) }, defaults)
    expect(ok.ok).toBe(true)
    for (const depth of [MAX_FIELDS_DEPTH + 1, 1000, 100_000]) {
      const result = normalizePayload('logs', { level: 'info', message: 'x', fields: nested(depth) }, defaults)
      expect(result.ok).toBe(false)
      expect(!result.ok && result.error).toMatch(/field `fields(\.a)*`: nested deeper than 8 levels/)
    }
  })

  it('metric values outside what a host can report', () => {
    const base = { cpu: 1, memory: 1, rps: 1, activeConnections: 1, errorRate: 0 }
    for (const [field, value] of [['rps', 1e308], ['activeConnections', 2e9], ['rps', -1], ['cpu', 100.5], ['errorRate', -0.1]] as const) {
      const result = normalizePayload('metrics', { ...base, [field]: value }, defaults)
      expect(!result.ok && result.error).toMatch(new RegExp(`field \`${field}\``))
    }
    expect(normalizePayload('health', { check: 'db', status: 'ok', latencyMs: 1e308 }, defaults).ok).toBe(false)
  })
})

describe('event size (NUXT_EVENT_MAX_BYTES)', () => {
  const line = (bytes: number) => ({ level: 'info', message: 'é'.repeat(bytes / 2) }) // two UTF-8 bytes per character
  it('refuses a normalised event over the limit in UTF-8 bytes, as too large', () => {
    const big = normalizePayload('logs', line(9000), { ...defaults, maxBytes: 8000 })
    expect(big).toMatchObject({ ok: false, reason: 'too-large', error: 'event larger than 8000 bytes' })
    expect(normalizePayload('logs', line(9000), { ...defaults, maxBytes: 16_384 }).ok).toBe(true)
  })

  it('refuses oversized text without parsing it, with the default limit', () => {
    const text = JSON.stringify({ level: 'info', message: 'x', fields: { pad: 'y'.repeat(20_000) } })
    expect(normalizeJson('logs', text, defaults)).toMatchObject({ ok: false, reason: 'too-large', error: 'event larger than 16384 bytes' })
  })
})
