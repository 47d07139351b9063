import { describe, expect, it } from 'vitest'
import type { SamplePoint } from '../../utils/metric-series'
import { MetricSeries } from '../../utils/metric-series'

function point(source: string, seconds: number, cpu: number): SamplePoint {
  return { source, t: seconds * 1000 + 7, values: { cpu, memory: cpu + 1, rps: cpu * 10, activeConnections: 1, errorRate: 0 } }
}

describe('MetricSeries', () => {
  it('aligns sources on one axis of consecutive seconds, with null where a source has no sample', () => {
    const series = new MetricSeries(60)
    series.add(point('a', 100, 1))
    series.add(point('b', 100, 2))
    series.add(point('a', 101, 3))
    series.add(point('b', 103, 4))
    // 102 has no sample at all: a gap on every line, not a straight line across it.
    expect(series.aligned('cpu')).toEqual([[100, 101, 102, 103], [1, 3, null, null], [2, null, null, 4]])
    expect(series.aligned('memory')[1]).toEqual([2, 4, null, null])
    expect(series.sources).toEqual(['a', 'b'])
    expect(series.count('a')).toBe(2)
  })

  it('is idempotent and order-free: history and stream may overlap or arrive late', () => {
    const live = new MetricSeries(60)
    const mixed = new MetricSeries(60)
    const points = [1, 2, 3, 4, 5].map(s => point('a', 100 + s, s))
    for (const p of points) live.add(p)
    // The stream's tail first, then history that overlaps it, then a duplicate.
    for (const p of [points[3]!, points[4]!, points[0]!, points[1]!, points[2]!, points[3]!, points[2]!]) mixed.add(p)
    expect(mixed.aligned('cpu')).toEqual(live.aligned('cpu'))
    expect(mixed.count('a')).toBe(5)
  })

  it('gives a source that appears later nulls for the seconds before it', () => {
    const series = new MetricSeries(60)
    series.add(point('a', 10, 1))
    series.add(point('a', 11, 1))
    series.add(point('late', 11, 9))
    series.add(point('late', 9, 8))
    series.add(point('early', 11, 5))
    // Sources are kept sorted by name, whatever order they appear in.
    expect(series.sources).toEqual(['a', 'early', 'late'])
    expect(series.aligned('cpu')).toEqual([[9, 10, 11], [null, 1, 1], [null, null, 5], [8, null, 9]])
  })

  it('trims seconds older than its span and forgets sources left without data', () => {
    const series = new MetricSeries(10)
    series.add(point('gone', 100, 1))
    series.add(point('a', 105, 2))
    series.add(point('a', 112, 3))
    series.trim(112_500)
    // The axis holds the last 10 seconds and the one at their start.
    expect(series.aligned('cpu')).toEqual([
      [102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112],
      [null, null, null, 2, null, null, null, null, null, null, 3],
    ])
    expect(series.sources).toEqual(['a'])
    expect(series.count('gone')).toBe(0)
  })

  it('keeps a fixed ring: after hours of seconds it holds the same window and nothing more', () => {
    const series = new MetricSeries(10)
    for (let s = 1000; s < 1000 + 3600; s++) {
      series.add(point('a', s, s % 7))
      series.trim(s * 1000)
    }
    const last = 1000 + 3599
    expect(series.seconds()[0]).toBe(last - 10)
    expect(series.aligned('cpu')[1]).toEqual(Array.from({ length: 11 }, (_, i) => (last - 10 + i) % 7))
    expect(series.count('a')).toBe(11)
    expect(series.capacity).toBe(70)
  })

  it('jumping ahead by more than the ring clears what it held; a sample older than the ring reaches is dropped', () => {
    const series = new MetricSeries(10)
    series.add(point('a', 100, 1))
    series.add(point('a', 101, 2))
    series.add(point('a', 500, 3))
    expect(series.aligned('cpu')).toEqual([[500], [3]])
    series.add(point('a', 400, 4))
    expect(series.aligned('cpu')).toEqual([[500], [3]])
    // Within reach, an older second extends the axis back.
    series.add(point('a', 497, 5))
    expect(series.aligned('cpu')).toEqual([[497, 498, 499, 500], [5, null, null, 3]])
  })

  it('a span of history fills every second it covers, and live samples overwrite them', () => {
    const series = new MetricSeries(60)
    series.addSpan(point('a', 100, 9), 5000)
    series.add(point('a', 102, 1))
    expect(series.aligned('cpu')).toEqual([[100, 101, 102, 103, 104], [9, 9, 1, 9, 9]])
  })

  it('stamps change when a second is written again or reused by the ring, not otherwise', () => {
    const series = new MetricSeries(10)
    series.add(point('a', 100, 1))
    const stamp = series.stampAt(100)
    series.add(point('a', 101, 1))
    expect(series.stampAt(100)).toBe(stamp)
    series.add(point('b', 100, 2))
    expect(series.stampAt(100)).not.toBe(stamp)
    const before = series.stampAt(100)
    series.add(point('a', 170, 1))
    expect(series.slot(170)).toBe(series.slot(100))
    expect(series.stampAt(170)).not.toBe(before)
  })
})
