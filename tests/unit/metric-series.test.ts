import { describe, expect, it } from 'vitest'
import type { SamplePoint } from '../../utils/metric-series'
import { MetricSeries } from '../../utils/metric-series'

function point(source: string, seconds: number, cpu: number): SamplePoint {
  return { source, t: seconds * 1000 + 7, values: { cpu, memory: cpu + 1, rps: cpu * 10, activeConnections: 1, errorRate: 0 } }
}

describe('MetricSeries', () => {
  it('aligns sources on one axis of whole seconds, with null where a source has no sample', () => {
    const series = new MetricSeries(60)
    series.add(point('a', 100, 1))
    series.add(point('b', 100, 2))
    series.add(point('a', 101, 3))
    series.add(point('b', 103, 4))
    expect(series.aligned('cpu')).toEqual([[100, 101, 103], [1, 3, null], [2, null, 4]])
    expect(series.aligned('memory')[1]).toEqual([2, 4, null])
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
    expect(series.aligned('cpu')).toEqual([[105, 112], [2, 3]])
    expect(series.sources).toEqual(['a'])
    expect(series.count('gone')).toBe(0)
  })
})
