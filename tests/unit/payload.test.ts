import { describe, expect, it } from 'vitest'
import { normalizeJson, normalizePayload } from '../../server/core/payload'

const defaults = { source: 'node-a', timeMs: Date.UTC(2026, 0, 1) }

describe('payload validation', () => {
  it('accepts a collector\'s payload as is and fills source', () => {
    const sample = { cpu: 45.2, memory: 72.1, rps: 1200, activeConnections: 80, errorRate: 0.5, timestamp: '2026-04-21T10:00:00Z' }
    const result = normalizePayload('metrics', sample, defaults)
    expect(result.ok && result.data).toEqual({ ...sample, source: 'node-a' })
  })

  it('fills the timestamp from the defaults and accepts epoch milliseconds', () => {
    const filled = normalizePayload('alerts', { level: 'info', message: 'hi' }, defaults)
    expect(filled.ok && filled.data.timestamp).toBe('2026-01-01T00:00:00.000Z')
    const epoch = normalizePayload('alerts', { level: 'info', message: 'hi', timestamp: 0 }, defaults)
    expect(epoch.ok && epoch.data.timestamp).toBe('1970-01-01T00:00:00.000Z')
  })

  it('produces the same JSON when normalising its own output again (every instance frames the same bytes)', () => {
    const first = normalizePayload('health', { check: 'db', status: 'ok', latencyMs: 3 }, defaults)
    expect(first.ok).toBe(true)
    if (!first.ok) return
    const again = normalizeJson('health', first.json, { source: 'other', timeMs: 0 })
    expect(again.ok && again.json).toBe(first.json)
  })

  it.each([
    ['metrics', { cpu: 'high', memory: 1, rps: 1, activeConnections: 1, errorRate: 0 }, /field `cpu`/],
    ['metrics', { cpu: 101, memory: 1, rps: 1, activeConnections: 1, errorRate: 0 }, /field `cpu`/],
    ['alerts', { level: 'panic', message: 'x' }, /field `level`/],
    ['logs', { level: 'info' }, /field `message`/],
    ['health', { check: 'x', status: 'fine' }, /field `status`/],
    ['alerts', ['not', 'an', 'object'], /expected object/],
  ] as const)('refuses bad %s payloads naming the field', (channel, value, error) => {
    const result = normalizePayload(channel, value, defaults)
    expect(result.ok).toBe(false)
    expect(!result.ok && result.error).toMatch(error)
  })

  it('refuses text that is not JSON', () => {
    expect(normalizeJson('alerts', '{nope', defaults)).toEqual({ ok: false, error: 'payload is not valid JSON', reason: 'invalid' })
  })
})
