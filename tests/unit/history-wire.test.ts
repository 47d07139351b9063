import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { METRIC_FIELDS } from '../../shared/channels'
import type { ReducedHistory, SourceHistory } from '../../shared/history'
import { decodeHistory, encodeHistory, historyPoints } from '../../shared/history'

const sourceHistory: fc.Arbitrary<SourceHistory> = fc.record({
  buckets: fc.uniqueArray(fc.integer({ min: 100, max: 300 }), { maxLength: 20 }).map(b => b.sort((x, y) => x - y)),
  exactCount: fc.nat(6),
  seed: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  // JSON has no -0: keep it out of the generated numbers (`x + 0` turns -0 into 0).
}).map(({ buckets, exactCount, seed }) => ({
  buckets,
  extremes: Object.fromEntries(METRIC_FIELDS.map((field, f) => [field, buckets.flatMap((b, i) => [seed + b + f + 0, seed - i + 0])])) as SourceHistory['extremes'],
  exact: {
    t: Array.from({ length: exactCount }, (_, i) => 3_000_000 + i * 997),
    values: Object.fromEntries(METRIC_FIELDS.map((field, f) => [field, Array.from({ length: exactCount }, (_, i) => seed * f + i + 0)])) as SourceHistory['exact']['values'],
  },
}))

describe('history wire format', () => {
  it('decodes what it encodes, with producer-chosen names (including __proto__) kept as data', () => {
    fc.assert(fc.property(fc.dictionary(fc.oneof(fc.string(), fc.constant('__proto__')), sourceHistory, { maxKeys: 5 }), (sources) => {
      const history: ReducedHistory = { channel: 'metrics', until: '301000-4', bucketMs: 1000, startBucket: 100, exactBucket: 301, sources: new Map(Object.entries(sources)) }
      const decoded = decodeHistory(JSON.parse(JSON.stringify(encodeHistory(history))))
      expect(decoded).toEqual(history)
    }))
  })

  it('delta-codes bucket numbers and times, so a full window compresses to almost nothing', () => {
    const history: ReducedHistory = {
      channel: 'metrics', until: '30000-0', bucketMs: 10_000, startBucket: 0, exactBucket: 3,
      sources: new Map([['a', {
        buckets: [0, 1, 2],
        extremes: Object.fromEntries(METRIC_FIELDS.map(f => [f, [1, 2, 3, 4, 5, 6]])) as SourceHistory['extremes'],
        exact: { t: [30_100, 31_100], values: Object.fromEntries(METRIC_FIELDS.map(f => [f, [7, 8]])) as SourceHistory['exact']['values'] },
      }]]),
    }
    const wire = encodeHistory(history)
    expect(wire.names).toEqual(['a'])
    expect(wire.sources[0]!.b).toEqual([0, 1, 1])
    expect(wire.sources[0]!.t).toEqual([30_100, 1000])
  })

  it('refuses an answer in an unknown format', () => {
    expect(() => decodeHistory({ channel: 'metrics', sources: {} } as never)).toThrow(/unknown history format/)
  })

  it('gives a chart each bucket as its two extremes over the two halves of the bucket, then the exact samples', () => {
    const history: ReducedHistory = {
      channel: 'metrics', until: '30000-0', bucketMs: 10_000, startBucket: 0, exactBucket: 3,
      sources: new Map(),
    }
    const source: SourceHistory = {
      buckets: [2],
      extremes: Object.fromEntries(METRIC_FIELDS.map(f => [f, [90, 1]])) as SourceHistory['extremes'],
      exact: { t: [30_500], values: Object.fromEntries(METRIC_FIELDS.map(f => [f, [7]])) as SourceHistory['exact']['values'] },
    }
    expect(historyPoints(history, source).map(p => [p.t, p.values.cpu, p.span])).toEqual([[20_000, 90, 5000], [25_000, 1, 5000], [30_500, 7, 0]])
  })

  it('clips a wide bucket at `until`: the seconds after it are left to the stream', () => {
    const history: ReducedHistory = {
      channel: 'metrics', until: '62000-3', bucketMs: 50_000, startBucket: 0, exactBucket: 1,
      sources: new Map(),
    }
    const source: SourceHistory = {
      buckets: [0, 1],
      extremes: Object.fromEntries(METRIC_FIELDS.map(f => [f, [10, 20, 30, 40]])) as SourceHistory['extremes'],
      exact: { t: [61_000], values: Object.fromEntries(METRIC_FIELDS.map(f => [f, [7]])) as SourceHistory['exact']['values'] },
    }
    expect(historyPoints(history, source).map(p => [p.t, p.values.cpu, p.span])).toEqual([[0, 10, 25_000], [25_000, 20, 25_000], [50_000, 30, 12_001], [61_000, 7, 0]])
  })
})
