import type { Redis } from 'ioredis'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Channel } from '../../shared/events'
import { CHANNELS } from '../../shared/events'
import { CONFIG_FIELDS, FUNCTION_SOURCE, PUBLISH_FUNCTION } from '../../server/core/broker/redis-function'
import type { StreamEntry } from '../../server/core/broker/log-decoder'
import { decodeEntries } from '../../server/core/broker/log-decoder'
import { normalizeJson } from '../../server/core/payload'
import { findShapeProblem } from '../../shared/json-shape'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'

/** A small bound, so oversized events are reached without megabytes of input. */
const MAX_BYTES = 2048
const BASE = 'fuzz'
const LOG_KEY = `${BASE}:log`
/** cjson's decode depth limit (Redis's bundled lua_cjson default). */
const CJSON_MAX_DEPTH = 1000
const defaults = { source: 'external', timeMs: Date.UTC(2026, 0, 1), maxBytes: MAX_BYTES }

let redis: RedisServer
let client: Redis
beforeAll(async () => {
  redis = await startRedis()
  client = redis.client()
  await client.call('FUNCTION', 'LOAD', 'REPLACE', FUNCTION_SOURCE)
  await client.hset(`${BASE}:config`, CONFIG_FIELDS.maxBytes, String(MAX_BYTES), CONFIG_FIELDS.maxEvents, '100000')
})
afterAll(async () => {
  await redis?.stop()
})

type Answer = { ok: true, id: string } | { ok: false, error: string }

async function publish(channel: Channel, json: string): Promise<Answer> {
  try {
    return { ok: true, id: String(await client.call('FCALL', PUBLISH_FUNCTION, '1', LOG_KEY, channel, json)) }
  }
  catch (error) {
    return { ok: false, error: (error as Error).message }
  }
}

/** What the instances make of the entry the function appended. */
async function decodeAppended(id: string) {
  const entries = await client.xrange(LOG_KEY, id, id) as StreamEntry[]
  const drops: string[] = []
  const messages = decodeEntries(entries, { maxBytes: MAX_BYTES, dropInvalid: (_where, why) => drops.push(why) })
  return { entries, messages, drops }
}

// ---- inputs -----------------------------------------------------------------

const edgeNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, 100, 100.0001, -0, -1, 0.5, 1e9, 1e9 + 1, 1e21, 1e308, Number.MAX_SAFE_INTEGER, 253_402_300_799_999, 8_640_000_000_000_000),
)
const edgeString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 100, maxLength: 300 }),
  fc.constantFrom('a\uD800b', '\uDC00', '\uD83D\uDE00', '', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000+02:00',
    '2026-13-45T99:99', '2026-01-01T00:00junk', '+275760-09-13T00:00:00.001Z', 'info', 'warn', 'ok'),
)
const leaf = fc.oneof(edgeNumber, edgeString, fc.boolean(), fc.constant(null))
const anyField = fc.oneof({ weight: 3, arbitrary: leaf }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) })

/** Each channel's fields, usually valid, sometimes swapped for a hostile value or left out. */
const valid = {
  metrics: { cpu: fc.double({ min: 0, max: 100, noNaN: true }), memory: fc.integer({ min: 0, max: 100 }), rps: fc.nat(), activeConnections: fc.nat(), errorRate: fc.constant(0) },
  alerts: { level: fc.constantFrom('info', 'warning', 'critical'), message: fc.string({ minLength: 1, maxLength: 60 }) },
  logs: { level: fc.constantFrom('debug', 'info', 'warn', 'error'), message: fc.string({ minLength: 1, maxLength: 60 }), fields: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 4 })) },
  health: { check: fc.string({ minLength: 1, maxLength: 30 }), status: fc.constantFrom('ok', 'degraded', 'down'), latencyMs: fc.nat(), detail: fc.string({ maxLength: 60 }) },
} satisfies Record<Channel, Record<string, fc.Arbitrary<unknown>>>
const common = { source: fc.string({ minLength: 1, maxLength: 20 }), host: fc.string({ minLength: 1, maxLength: 20 }), timestamp: fc.oneof(fc.integer({ min: 0, max: 253_402_300_799_999 }), fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-12-31') }).map(d => d.toISOString())) }

function shaped(channel: Channel): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = { ...common, ...valid[channel] }
  const record: Record<string, fc.Arbitrary<unknown>> = {}
  for (const [key, arb] of Object.entries(model)) {
    record[key] = fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: anyField })
  }
  const required = Object.keys(valid[channel]).filter(key => !['latencyMs', 'detail', 'fields'].includes(key))
  return fc.record(record, { requiredKeys: required }).chain(base => fc.oneof(
    { weight: 6, arbitrary: fc.constant(base) },
    // Unknown keys: the schemas strip them, the function has to decode them.
    { weight: 1, arbitrary: fc.dictionary(edgeString, anyField, { maxKeys: 3 }).map(extra => ({ ...extra, ...base })) },
    // Some field deleted, so "required" is tried too.
    { weight: 1, arbitrary: fc.constantFrom(...Object.keys(base)).map(key => Object.fromEntries(Object.entries(base).filter(([name]) => name !== key))) },
  ))
}

function nested(depth: number, inner: string): string {
  return '{"a":'.repeat(depth) + inner + '}'.repeat(depth)
}

function texts(channel: Channel): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: shaped(channel).map(value => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.jsonValue().map(value => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
    // Deep nesting, inside `fields` and as an unknown key, past any decoder's limits.
    { weight: 1, arbitrary: fc.tuple(shaped(channel), fc.integer({ min: 1, max: 1500 }), fc.constantFrom('fields', 'extra'))
      .map(([value, depth, key]) => JSON.stringify(value).replace(/^\{/, `{"${key}":${nested(depth, '1')},`)) },
    // Oversized, and sitting right at the bound (multi-byte characters make UTF-8 longer than UTF-16).
    { weight: 1, arbitrary: fc.tuple(shaped(channel), fc.integer({ min: MAX_BYTES - 400, max: MAX_BYTES + 200 }), fc.constantFrom('x', 'é', '\u20AC', '\uD83D\uDE00'))
      .map(([value, n, unit]) => JSON.stringify({ ...value, message: unit.repeat(Math.ceil(n / unit.length / 2)), detail: unit.repeat(Math.ceil(n / unit.length / 2)) })) },
    // Numbers JSON.stringify never writes.
    { weight: 1, arbitrary: fc.tuple(shaped(channel), fc.constantFrom('1e400', '-1e400', '1E2', '0.0000001e-400', '12345678901234567890123')).map(([value, number]) => JSON.stringify(value).replace(/^\{/, `{"cpu":${number},"latencyMs":${number},"timestamp":${number},`)) },
  )
}

// ---- where the function and the reader legitimately differ ------------------

/**
 * The function checks what Lua can cheaply check; the reader validates fully
 * (README, "Event contract"). An accepted event the reader drops must be in
 * one of these classes, each named by the reader's reason.
 */
const READER_ONLY: [RegExp, string][] = [
  [/^field `timestamp`: Invalid ISO datetime/, 'Lua patterns cannot express the ISO 8601 grammar (ranges, fraction, offset); the function checks the date-time prefix'],
  [/^field `fields(\.[^`]*)?`: /, 'the shape of `fields` (key lengths, depth, an empty array, which cjson cannot tell from {}) is checked by the reader'],
]

/**
 * Raw text that normalizeJson accepts but the function refuses. Collectors
 * calling the function send raw text; the HTTP ingest path sends the
 * normalised text, which is checked without exemptions below.
 */
function functionOnlyRefusal(text: string, error: string): string | null {
  // The bound applies to what the function stores, the raw text; normalizeJson
  // measures its output, from which unknown keys are gone.
  if (error.startsWith('TOOLARGE') && Buffer.byteLength(text) > MAX_BYTES) return 'raw text over the bound, its normalised form within it'
  // Redis's cjson is the only JSON decoder a function has: it refuses a lone
  // surrogate escape ("\ud800") and nesting past 1000 levels anywhere, also in
  // keys the schemas would strip. The schemas refuse both in every field they keep.
  if (error === 'INVALID payload is not a JSON object' && findShapeProblem(JSON.parse(text), CJSON_MAX_DEPTH)) return 'cjson cannot decode it'
  return null
}

// ---- properties -------------------------------------------------------------

describe.each(CHANNELS)('property: the publish function and the reader agree on %s', (channel) => {
  it('refuses with INVALID/TOOLARGE or appends what every reader decodes; accepts what normalizeJson accepts', async () => {
    await fc.assert(fc.asyncProperty(texts(channel), async (text) => {
      const answer = await publish(channel, text)
      const normalized = normalizeJson(channel, text, defaults)
      if (!answer.ok) {
        expect(answer.error).toMatch(/^(INVALID|TOOLARGE) /)
        if (normalized.ok) expect(functionOnlyRefusal(text, answer.error), `normalizeJson accepts, the function says ${answer.error}`).not.toBeNull()
      }
      else {
        const { entries, messages, drops } = await decodeAppended(answer.id)
        expect(entries).toHaveLength(1)
        if (messages.length !== 1) {
          const known = READER_ONLY.find(([pattern]) => drops.some(why => pattern.test(why)))
          expect(known, `accepted by the function, dropped by the reader: ${drops.join('; ')}`).toBeDefined()
        }
        else {
          expect(messages[0]!.id).toBe(answer.id)
        }
      }
      // The ingest path publishes the normalised text: that must always be accepted.
      if (normalized.ok) {
        const again = await publish(channel, normalized.json)
        expect(again, normalized.json.slice(0, 200)).toMatchObject({ ok: true })
        if (again.ok) expect((await decodeAppended(again.id)).messages).toHaveLength(1)
      }
    }), { numRuns: 300 })
    expect(await client.ping()).toBe('PONG')
  }, 60_000)
})
