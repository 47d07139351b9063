import { describe, expect, it } from 'vitest'
import { createCounters } from '../../server/core/counters'
import { createLogger } from '../../server/core/logger'
import { readPulseConfig } from '../../server/core/config'
import { createPulse } from '../../server/core/pulse'
import { createSourceGate, SourceAdmission } from '../../server/core/source-admission'
import type { BrokerMessage } from '../../server/core/broker/types'

describe('source admission (NUXT_MAX_SOURCES)', () => {
  it('admits known sources always, new ones while there is room, and forgets silent ones', () => {
    let now = 0
    const admission = new SourceAdmission({ maxSources: 3, forgetAfterMs: 10_000, now: () => now })
    expect(['a', 'b', 'c'].map(s => admission.admit(s))).toEqual([true, true, true])
    expect(admission.admit('d')).toBe(false)
    now = 5000
    expect(admission.admit('a')).toBe(true)
    now = 12_000
    // b and c were silent for 12 s: both slots free; a (5 s ago) stays.
    expect(admission.admit('d')).toBe(true)
    expect(admission.admit('e')).toBe(true)
    expect(admission.admit('f')).toBe(false)
    expect(admission.size).toBe(3)
  })

  it('counts refusals and logs them without the producer-chosen name', () => {
    const counters = createCounters()
    const gate = createSourceGate(new SourceAdmission({ maxSources: 1, forgetAfterMs: 60_000 }), counters, createLogger('test'))
    expect(gate('a')).toBe(true)
    expect(gate('evil\nname')).toBe(false)
    expect(gate('another')).toBe(false)
    expect(counters.sourcesRefused).toBe(2)
  })

  it('bounds what every listener of the instance sees, whatever the entry path', async () => {
    const pulse = createPulse(readPulseConfig({ instanceId: 'me', maxSources: 5 }))
    pulse.broker.start()
    const seen = new Set<string>()
    pulse.hub.onMessage((message: BrokerMessage) => seen.add(JSON.parse(message.json).source))
    const metric = (source: string) => JSON.stringify({ source, cpu: 1, memory: 1, rps: 1, activeConnections: 1, errorRate: 0, timestamp: '2026-01-01T00:00:00Z' })
    for (let i = 0; i < 50; i++) await pulse.broker.publishLive('metrics', metric(`host-${i}`))
    // The instance's own source holds one of the five slots.
    expect(seen.size).toBe(4)
    expect(pulse.counters.sourcesRefused).toBe(46)
    // Ingest path: a new source beyond the cap is refused before anything is published.
    expect(pulse.publisher.prepare('alerts', { level: 'info', message: 'x', source: 'host-99' })).toMatchObject({ ok: false, status: 422 })
    expect(pulse.publisher.prepare('alerts', { level: 'info', message: 'x', source: 'host-1' })).toMatchObject({ ok: true })
    expect(pulse.publisher.prepare('logs', { level: 'info', message: 'x'.repeat(8000), source: 'host-1', fields: { pad: 'y'.repeat(9000) } })).toMatchObject({ ok: false, status: 413 })
    await pulse.close()
  })
})
