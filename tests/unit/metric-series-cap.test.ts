import { describe, expect, it } from 'vitest'
import { MetricSeries } from '../../utils/metric-series'

const values = { cpu: 1, memory: 1, rps: 1, activeConnections: 1, errorRate: 0 }
const at = (seconds: number) => seconds * 1000

describe('MetricSeries source cap (browser memory does not grow with source names)', () => {
  it('keeps at most the cap, dropping the longest-silent source to make room', () => {
    const series = new MetricSeries(600, 3)
    series.add({ source: 'a', t: at(100), values })
    series.add({ source: 'b', t: at(101), values })
    series.add({ source: 'c', t: at(102), values })
    series.add({ source: 'a', t: at(103), values })
    // Full: `b` has been silent longest (newest sample at 101), so it goes.
    series.add({ source: 'd', t: at(104), values })
    expect(series.sources).toEqual(['a', 'c', 'd'])
    expect(series.count('b')).toBe(0)
  })

  it('refuses a newcomer rather than drop a source that is as recent (history arriving late)', () => {
    const series = new MetricSeries(600, 2)
    series.add({ source: 'a', t: at(200), values })
    series.add({ source: 'b', t: at(200), values })
    series.add({ source: 'c', t: at(150), values })
    expect(series.sources).toEqual(['a', 'b'])
  })

  it('10,000 distinct names (100 new ones a second) leave at most the cap', () => {
    const series = new MetricSeries(600, 300)
    for (let i = 0; i < 10_000; i++) series.add({ source: `pod-${i}`, t: at(1000 + Math.floor(i / 100)), values })
    expect(series.sources).toHaveLength(300)
    expect(series.sources).toContain('pod-9900')
  })
})
