import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { METRIC_FIELDS } from '../../shared/channels'
import { encodeHistory } from '../../shared/history'
import { coarsen, coarseningFor, HistoryBuilder } from '../../server/core/history/reduction'

const BUCKET_MS = 10_000

/** Samples in log order: a source, a time step and a value per field. */
const samples = fc.array(fc.record({
  source: fc.constantFrom('a', 'b', 'c'),
  advance: fc.integer({ min: 0, max: 7000 }),
  value: fc.integer({ min: 0, max: 100 }),
}), { maxLength: 200 })

describe('wider buckets for a large fleet', () => {
  it('merging buckets equals folding the samples into the wider buckets directly', () => {
    fc.assert(fc.property(samples, fc.integer({ min: 1, max: 6 }), (steps, factor) => {
      let ms = 0
      const timed = steps.map(step => ({ ...step, ms: (ms += step.advance) }))
      // The exact part starts on a boundary of both widths.
      const exactBucket = Math.ceil(Math.floor(ms / BUCKET_MS) / factor) * factor
      const until = `${ms}-0`
      const fine = new HistoryBuilder({ until, bucketMs: BUCKET_MS, startBucket: 0, exactBucket })
      const wide = new HistoryBuilder({ until, bucketMs: BUCKET_MS * factor, startBucket: 0, exactBucket: exactBucket / factor })
      for (const { source, ms, value } of timed) {
        const sample = { idMs: ms, t: ms, values: METRIC_FIELDS.map((_, f) => value * (f + 1) % 101) }
        fine.add(source, sample)
        wide.add(source, sample)
      }
      expect(encodeHistory(coarsen(fine.result(), factor))).toEqual(encodeHistory(wide.result()))
    }))
  })

  it('keeps full resolution up to 25 sources, then widens in proportion', () => {
    expect([0, 1, 25, 26, 50, 51, 100, 200].map(coarseningFor)).toEqual([1, 1, 1, 2, 2, 3, 4, 8])
  })

  it('a chart focused on a few sources gets only them', () => {
    const builder = new HistoryBuilder({ until: '5000-0', bucketMs: BUCKET_MS, startBucket: 0, exactBucket: 0 }, new Set(['b']))
    for (const source of ['a', 'b', 'c']) builder.add(source, { idMs: 1000, t: 1000, values: [1, 2, 3, 4, 5] })
    expect([...builder.result().sources.keys()]).toEqual(['b'])
  })
})
