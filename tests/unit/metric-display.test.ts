import { describe, expect, it } from 'vitest'
import type { Metric } from '../../shared/events'
import { clusterValue } from '../../utils/cluster'
import { aggregateLabel, metricSpec, toneOf } from '../../utils/metric-levels'
import { formatAgo, formatClock, formatNumber } from '../../utils/format'
import { isAfterEventId } from '../../utils/event-order'

function metric(source: string, values: Partial<Metric>): Metric {
  return { source, cpu: 0, memory: 0, rps: 0, activeConnections: 0, errorRate: 0, timestamp: '2026-01-01T00:00:00.000Z', ...values }
}

describe('metric tones', () => {
  it('colours CPU at 60/80 %, memory at 70/85 %, error rate above 1 %', () => {
    const cpu = metricSpec('cpu')
    expect([59, 60, 60.1, 80, 80.1].map(v => toneOf(cpu, v))).toEqual(['ok', 'ok', 'warn', 'warn', 'critical'])
    const memory = metricSpec('memory')
    expect([70, 70.5, 85, 85.5].map(v => toneOf(memory, v))).toEqual(['ok', 'warn', 'warn', 'critical'])
    const errors = metricSpec('errorRate')
    expect([0, 1, 1.01].map(v => toneOf(errors, v))).toEqual(['ok', 'ok', 'critical'])
    expect(toneOf(metricSpec('rps'), 1e6)).toBe('neutral')
    expect(toneOf(cpu, null)).toBe('neutral')
  })
})

describe('cluster values', () => {
  const sources = [
    metric('a', { cpu: 20, memory: 90, rps: 100, activeConnections: 3, errorRate: 1 }),
    metric('b', { cpu: 70, memory: 40, rps: 300, activeConnections: 5, errorRate: 5 }),
  ]
  it('sums throughput and connections, takes the highest CPU and memory', () => {
    expect(clusterValue(metricSpec('rps'), sources)).toBe(400)
    expect(clusterValue(metricSpec('activeConnections'), sources)).toBe(8)
    expect(clusterValue(metricSpec('cpu'), sources)).toBe(70)
    expect(clusterValue(metricSpec('memory'), sources)).toBe(90)
  })

  it('weights the error rate by requests, and falls back to the highest without traffic', () => {
    expect(clusterValue(metricSpec('errorRate'), sources)).toBe((1 * 100 + 5 * 300) / 400)
    const idle = [metric('a', { errorRate: 2 }), metric('b', { errorRate: 0 })]
    expect(clusterValue(metricSpec('errorRate'), idle)).toBe(2)
    expect(clusterValue(metricSpec('cpu'), [])).toBeNull()
  })

  it('says which aggregate and which sources', () => {
    expect(aggregateLabel(metricSpec('rps'), 3)).toBe('sum of 3 live sources')
    expect(aggregateLabel(metricSpec('cpu'), 1, 2)).toBe('highest of 1 live source (2 stale left out)')
  })
})

describe('formatting (identical on server and browser)', () => {
  it('groups thousands with thin spaces and keeps decimals', () => {
    expect(formatNumber(1234567.891, 1)).toBe('1\u2009234\u2009567.9')
    expect(formatNumber(0.5, 2)).toBe('0.50')
    expect(formatNumber(-12)).toBe('−12')
  })

  it('writes clock times in UTC until told the browser zone applies, and short ages', () => {
    expect(formatClock(Date.UTC(2026, 0, 1, 7, 5, 9), false)).toBe('07:05:09 UTC')
    expect(formatClock(Date.UTC(2026, 0, 1, 7, 5, 9), true)).toMatch(/^\d\d:05:09$/)
    expect([0, 999, 4200, 95_000, 4 * 3_600_000].map(formatAgo)).toEqual(['now', 'now', '4 s', '2 min', '4 h'])
  })
})

describe('event order', () => {
  it('compares <ms>-<seq> ids numerically, not as text', () => {
    expect(isAfterEventId('10-0', '9-5')).toBe(true)
    expect(isAfterEventId('10-10', '10-9')).toBe(true)
    expect(isAfterEventId('10-9', '10-9')).toBe(false)
    expect(isAfterEventId('9-99', '10-0')).toBe(false)
    expect(isAfterEventId('1-0', null)).toBe(true)
  })
})

describe('display arithmetic never shows Infinity or NaN', () => {
  const flood = [
    metric('a', { rps: 1e308, activeConnections: 1e308, errorRate: 5 }),
    metric('b', { rps: 1e308, activeConnections: 1e308, errorRate: 1 }),
  ]
  it('keeps cluster values finite when sources send absurd numbers', () => {
    for (const field of ['rps', 'activeConnections', 'errorRate', 'cpu'] as const) {
      const value = clusterValue(metricSpec(field), flood)
      expect(value === null || Number.isFinite(value)).toBe(true)
      expect(formatNumber(value ?? Number.NaN, 2)).not.toMatch(/Infinity|NaN/)
    }
    expect(clusterValue(metricSpec('errorRate'), flood)).toBe(3)
  })

  it('leaves out sources whose numbers are not finite', () => {
    const broken = [metric('a', { rps: Number.NaN, cpu: 10 }), metric('b', { rps: 5, cpu: Number.POSITIVE_INFINITY }), metric('c', { rps: 7, cpu: 30 })]
    expect(clusterValue(metricSpec('rps'), broken)).toBe(12)
    expect(clusterValue(metricSpec('cpu'), broken)).toBe(30)
  })

  it('formats what is not a number as a dash and huge numbers compactly', () => {
    expect([Number.POSITIVE_INFINITY, Number.NaN, -Infinity].map(v => formatNumber(v))).toEqual(['—', '—', '—'])
    expect(formatNumber(2e21)).toBe('2.00e+21')
  })
})
