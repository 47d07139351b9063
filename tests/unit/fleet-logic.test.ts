import { describe, expect, it } from 'vitest'
import type { Metric } from '#shared/events'
import { compareNatural } from '../../utils/natural-order'
import { compareBySeverity, countStates, fleetStatus, SOURCE_GONE_AFTER_MS, sourceStatus, SOURCE_STALE_AFTER_MS } from '../../utils/source-status'
import { countsBySource, topN } from '../../utils/top-n'
import { formatFields } from '../../utils/log-fields'
import { BandCache, bandOf, quantileSorted } from '../../utils/series-band'
import { MetricSeries } from '../../utils/metric-series'
import { matchSources, sourceMatcher } from '../../utils/source-filter'

const NOW = 1_000_000

/** A calm sample of `source`, with the fields a test cares about overridden. */
function metric(source: string, values: Partial<Metric> = {}): Metric {
  return { source, cpu: 10, memory: 20, rps: 5, activeConnections: 1, errorRate: 0, timestamp: new Date(NOW).toISOString(), ...values }
}
/** The store's view of a source: its latest sample and when it arrived. */
function seen(source: string, values: Partial<Metric> = {}, ageMs = 0) {
  return { metric: metric(source, values), seenAt: NOW - ageMs }
}

describe('natural name order', () => {
  it('compares digits as numbers and ignores case, with a total order for names that only differ in case', () => {
    const names = ['host-10', 'host-1', 'host-100', 'host-2', 'Host-3', 'db', 'host-11']
    expect([...names].sort(compareNatural)).toEqual(['db', 'host-1', 'host-2', 'Host-3', 'host-10', 'host-11', 'host-100'])
    expect(['host-1', 'Host-1'].sort(compareNatural)).toEqual(['Host-1', 'host-1'])
    expect(['Host-1', 'host-1'].sort(compareNatural)).toEqual(['Host-1', 'host-1'])
  })
})

describe('source severity', () => {
  it('takes the worst metric: critical over warning, a value at the threshold still the lower tone', () => {
    expect(sourceStatus(metric('a', { cpu: 81, memory: 71 }), 0)).toMatchObject({ state: 'critical', worst: { field: 'cpu', value: 81, tone: 'critical' } })
    expect(sourceStatus(metric('a', { cpu: 61, errorRate: 2 }), 0)).toMatchObject({ state: 'critical', worst: { field: 'errorRate' } })
    expect(sourceStatus(metric('a', { memory: 71 }), 0)).toMatchObject({ state: 'warn', worst: { field: 'memory' } })
    expect(sourceStatus(metric('a', { cpu: 80 }), 0)).toMatchObject({ state: 'warn' })
    expect(sourceStatus(metric('a', { cpu: 60 }), 0)).toMatchObject({ state: 'ok', worst: null })
  })

  it('a silent source is stale, then gone, whatever its last values said', () => {
    expect(sourceStatus(metric('a', { cpu: 99 }), SOURCE_STALE_AFTER_MS)).toMatchObject({ state: 'critical' })
    expect(sourceStatus(metric('a', { cpu: 99 }), SOURCE_STALE_AFTER_MS + 1)).toMatchObject({ state: 'stale', worst: null })
    expect(sourceStatus(metric('a'), SOURCE_GONE_AFTER_MS + 1)).toMatchObject({ state: 'gone' })
  })

  it('orders the fleet worst first, then by natural name: critical, warning, stale, ok, gone', () => {
    const fleet = fleetStatus([
      seen('host-10'),
      seen('host-2'),
      seen('host-9', {}, SOURCE_GONE_AFTER_MS + 5),
      seen('host-11', { cpu: 70 }),
      seen('host-3', {}, 5000),
      seen('host-100', { cpu: 95 }),
      seen('host-20', { errorRate: 5 }),
      seen('host-1', { memory: 75 }),
    ], NOW)
    expect(fleet.map(s => `${s.source}:${s.state}`)).toEqual([
      'host-20:critical', 'host-100:critical', 'host-1:warn', 'host-11:warn', 'host-3:stale', 'host-2:ok', 'host-10:ok', 'host-9:gone',
    ])
    expect(countStates(fleet)).toEqual({ critical: 2, warn: 2, stale: 1, ok: 2, gone: 1 })
    // A source that disappears from the store simply leaves the list.
    expect(fleetStatus([seen('host-2')], NOW).map(s => s.source)).toEqual(['host-2'])
    expect(fleetStatus([], NOW)).toEqual([])
  })

  it('is a total order: equal states never depend on input order', () => {
    const a = sourceStatus(metric('x-2'), 0)
    const b = sourceStatus(metric('x-10'), 0)
    expect([b, a].sort(compareBySeverity)).toEqual([a, b])
  })
})

describe('top N', () => {
  const rows = [{ n: 'host-10', v: 5 }, { n: 'host-2', v: 5 }, { n: 'host-1', v: 9 }, { n: 'host-3', v: 1 }, { n: 'host-4', v: 5 }]

  it('keeps the highest, breaks ties by natural name and counts the rest', () => {
    const { top, more } = topN(rows, 3, r => r.v, r => r.n)
    expect(top.map(r => r.n)).toEqual(['host-1', 'host-2', 'host-4'])
    expect(more).toBe(2)
  })

  it('the same cut whatever the input order, and never more than there is', () => {
    const reversed = topN([...rows].reverse(), 3, r => r.v, r => r.n)
    expect(reversed.top.map(r => r.n)).toEqual(['host-1', 'host-2', 'host-4'])
    expect(topN(rows, 10, r => r.v, r => r.n)).toMatchObject({ more: 0 })
    expect(topN(rows, 10, r => r.v, r => r.n).top).toHaveLength(5)
    expect(topN([], 3, (r: number) => r, String)).toEqual({ top: [], more: 0 })
  })

  it('picks what a full sort would put first, ties, stale (-Infinity) and n = 0 included', () => {
    // A fixed pseudo-random fleet: scores from a few values (many ties), some stale.
    let seed = 7
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    for (let round = 0; round < 50; round++) {
      const fleet = Array.from({ length: 1 + Math.floor(next() * 40) }, (_, i) => ({ n: `host-${Math.floor(next() * 30)}-${i}`, v: next() < 0.2 ? -Infinity : Math.floor(next() * 4) }))
      for (const n of [0, 1, 3, 8, 50]) {
        const sorted = [...fleet].sort((a, b) => b.v - a.v || compareNatural(a.n, b.n)).slice(0, n)
        const { top, more } = topN(fleet, n, r => r.v, r => r.n)
        expect(top).toEqual(sorted)
        expect(more).toBe(fleet.length - sorted.length)
      }
    }
  })
})

describe('band cache', () => {
  const sample = (source: string, second: number, cpu: number) => ({ source, t: second * 1000, values: { cpu, memory: 0, rps: 0, activeConnections: 0, errorRate: 0 } })

  it('answers what bandOf answers, after late samples, a new second and other sources in view', () => {
    const series = new MetricSeries(600)
    for (let s = 100; s < 110; s++) for (const [i, source] of ['a', 'b', 'c'].entries()) series.add(sample(source, s, s + i * 10))
    const cache = new BandCache()
    const from = (second: number) => series.seconds(second)
    const rings = (names: string[]) => names.map(name => series.ring(name, 'cpu')!)
    const columns = (names: string[], second: number) => names.map(name => series.column(name, 'cpu', from(second)))
    const first = cache.band('a b c', rings(['a', 'b', 'c']), from(102), series)
    expect(first).toEqual(bandOf(columns(['a', 'b', 'c'], 102), 0, 8))
    // A late sample lands in an old second, a new second begins: both show.
    series.add(sample('b', 104, 199))
    series.add(sample('a', 110, 1))
    const next = cache.band('a b c', rings(['a', 'b', 'c']), from(102), series)
    expect(next).toEqual(bandOf(columns(['a', 'b', 'c'], 102), 0, 9))
    expect(next.max[2]).toBe(199)
    expect(next.min.at(-1)).toBe(1)
    // Other sources in view: nothing cached is reused.
    expect(cache.band('a b', rings(['a', 'b']), from(100), series)).toEqual(bandOf(columns(['a', 'b'], 100), 0, 11))
  })

  it('a second the ring reuses is computed again', () => {
    const series = new MetricSeries(10)
    const cache = new BandCache()
    series.add(sample('a', 100, 5))
    expect(cache.band('a', [series.ring('a', 'cpu')!], series.seconds(), series).max).toEqual([5])
    series.add(sample('a', 100 + series.capacity, 7))
    expect(cache.band('a', [series.ring('a', 'cpu')!], series.seconds(), series).max).toEqual([7])
  })
})

describe('band across sources', () => {
  it('min, median, p95 and max per second, skipping sources without a sample', () => {
    const band = bandOf([
      [1, 4, null, null],
      [3, null, null, 7],
      [2, 6, null, null],
      [10, 8, null, null],
    ], 0, 4)
    expect(band.min).toEqual([1, 4, null, 7])
    expect(band.max).toEqual([10, 8, null, 7])
    expect(band.median).toEqual([2.5, 6, null, 7])
    expect(band.p95[0]).toBeCloseTo(10 - 0.15 * 7)
    expect(band.p95[3]).toBe(7)
  })

  it('covers only the requested range, and an empty fleet gives gaps', () => {
    const band = bandOf([[1, 2, 3, 4]], 1, 3)
    expect(band).toEqual({ min: [2, 3], median: [2, 3], p95: [2, 3], max: [2, 3] })
    expect(bandOf([], 0, 2)).toEqual({ min: [null, null], median: [null, null], p95: [null, null], max: [null, null] })
  })

  it('interpolates quantiles between ranks', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5)
    expect(quantileSorted(Array.from({ length: 101 }, (_, i) => i), 0.95)).toBe(95)
    expect(quantileSorted([5], 0.95)).toBe(5)
    expect(quantileSorted([], 0.5)).toBeNaN()
  })
})

describe('source filter', () => {
  const names = ['host-1', 'host-10', 'host-2', 'db-1']
  it('a name alone when it exists, a prefix otherwise, an explicit prefix with *', () => {
    expect(matchSources('host-1', names)).toEqual(['host-1'])
    expect(matchSources('HOST-1', names)).toEqual(['host-1'])
    expect(matchSources('host-1*', names)).toEqual(['host-1', 'host-10'])
    expect(matchSources('host', names)).toEqual(['host-1', 'host-10', 'host-2'])
    expect(matchSources('  ', names)).toEqual(names)
    expect(matchSources('nope', names)).toEqual([])
  })
})

describe('source matcher for the feeds', () => {
  it('an exact known name does not match its longer siblings; a prefix does', () => {
    const known = ['host-1', 'host-10']
    expect(['host-1', 'host-10', 'collector-x'].filter(sourceMatcher('host-1', known))).toEqual(['host-1'])
    expect(['host-1', 'host-10', 'collector-x'].filter(sourceMatcher('host-1*', known))).toEqual(['host-1', 'host-10'])
    expect(['host-1', 'collector-x'].filter(sourceMatcher('coll', known))).toEqual(['collector-x'])
  })
})

describe('counts per source', () => {
  it('busiest first, ties by natural name, the rest counted', () => {
    const { top, more } = countsBySource(['w-2', 'w-10', 'w-2', 'w-10', 'w-1', 'w-3'], 2)
    expect(top).toEqual([{ source: 'w-2', count: 2 }, { source: 'w-10', count: 2 }])
    expect(more).toBe(2)
  })
})

describe('log fields', () => {
  it('reads as key=value, strings bare unless they need quotes, the rest as JSON, bounded', () => {
    expect(formatFields({ order: 42, region: 'eu' })).toBe('order=42 region=eu')
    expect(formatFields({ note: 'two words', nested: { a: [1] }, none: null, empty: '' })).toBe('note="two words" nested={"a":[1]} none=null empty=""')
    expect(formatFields(undefined)).toBe('')
    expect(formatFields({})).toBe('')
    const long = formatFields({ text: 'x'.repeat(1000) })
    expect(long).toHaveLength(300)
    expect(long.endsWith('…')).toBe(true)
  })
})
