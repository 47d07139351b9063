import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { StreamEntry } from '../../server/core/broker/log-decoder'
import { decodeEntries, decodeLive } from '../../server/core/broker/log-decoder'

const timestamp = fc.oneof(
  fc.integer({ min: -9e15, max: 9e15 }),
  fc.constantFrom(8640000000000001, -8640000000000001, 1e308, -0, Number.MAX_SAFE_INTEGER),
  fc.string({ maxLength: 30 }),
  fc.constantFrom('2026-01-01T00:00:00Z', '+275761-01-01T00:00:00Z', '9999-99-99T99:99:99Z'),
)

/** Payloads near the real shapes, with hostile values where they hurt. */
const payload = fc.oneof(
  fc.record({ level: fc.constantFrom('info', 'warn', 'critical', 'x'), message: fc.string({ maxLength: 20 }), timestamp }, { requiredKeys: [] }).map(value => JSON.stringify(value)),
  fc.record({ cpu: fc.double(), memory: fc.double(), rps: fc.double(), activeConnections: fc.double(), errorRate: fc.double(), timestamp }, { requiredKeys: [] }).map(value => JSON.stringify(value)),
  fc.json(),
  fc.string({ unit: 'binary', maxLength: 80 }),
)

const entry: fc.Arbitrary<StreamEntry> = fc.tuple(
  fc.oneof(fc.constantFrom('1-0', '1700000000000-3', '0-0', '', 'x-y', '99999999999999999999-1'), fc.string({ maxLength: 24 })),
  fc.oneof(
    fc.tuple(fc.constantFrom('metrics', 'alerts', 'logs', 'health', 'bogus', ''), payload).map(([c, d]) => ['c', c, 'd', d]),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }),
  ),
)

describe('property: the log decoder never throws and never lets an entry through unvalidated', () => {
  it('decodes arbitrary entries, reporting every one it drops', () => {
    fc.assert(fc.property(fc.array(entry, { maxLength: 8 }), (entries) => {
      let dropped = 0
      const messages = decodeEntries(entries, () => dropped++)
      expect(messages.length + dropped).toBe(entries.length)
      for (const message of messages) expect(() => JSON.parse(message.json)).not.toThrow()
    }), { numRuns: 2000 })
  })

  it('decodes arbitrary raw PUBLISH payloads without throwing', () => {
    fc.assert(fc.property(fc.constantFrom('metrics', 'alerts', 'logs', 'health') as fc.Arbitrary<'alerts'>, payload, (channel, text) => {
      decodeLive(channel, text, () => {})
    }), { numRuns: 2000 })
  })

  it('skips the timestamp past the largest date instead of failing on it', () => {
    const dropped: string[] = []
    const entries: StreamEntry[] = [
      ['1-0', ['c', 'alerts', 'd', '{"level":"info","message":"x","timestamp":8640000000000001}']],
      ['2-0', ['c', 'alerts', 'd', '{"level":"info","message":"after"}']],
    ]
    const messages = decodeEntries(entries, where => dropped.push(where))
    expect(messages.map(m => m.id)).toEqual(['2-0'])
    expect(dropped).toEqual(['log entry 1-0'])
  })
})
