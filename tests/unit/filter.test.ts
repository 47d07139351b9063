import { describe, expect, it } from 'vitest'
import { MAX_FILTER_LENGTH, parseFilter, projectMetric, shareFilter } from '../../server/core/sse/filter'
import { readLastEventId } from '../../server/core/sse/last-event-id'

describe('stream filters', () => {
  it('defaults to every channel and every metric field', () => {
    const result = parseFilter(undefined, undefined)
    expect(result.ok && [...result.filter.channels]).toEqual(['metrics', 'alerts', 'logs', 'health'])
    expect(result.ok && result.filter.metricFields).toBeNull()
  })

  it('shares one instance per distinct filter, whatever the order it was asked in', () => {
    const parse = (channels?: string, metrics?: string) => {
      const result = parseFilter(channels, metrics)
      if (!result.ok) throw new Error(result.error)
      return shareFilter(result.filter)
    }
    const first = parse('logs,alerts', 'memory,cpu')
    expect(parse('alerts,logs', 'cpu,memory')).toBe(first)
    expect(parse('alerts,logs', 'cpu')).not.toBe(first)
    expect(parse('alerts', 'memory,cpu')).not.toBe(first)
    expect(parse(undefined, undefined)).toBe(parse('metrics,alerts,logs,health', 'cpu,memory,rps,activeConnections,errorRate'))
  })

  it('parses channel lists and metric projections into a canonical key', () => {
    const result = parseFilter('alerts, metrics', 'memory,cpu')
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect([...result.filter.channels]).toEqual(['alerts', 'metrics'])
    expect(result.filter.metricFields).toEqual(['cpu', 'memory'])
    expect(result.filter.projectionKey).toBe('cpu,memory')
    expect(parseFilter(undefined, 'cpu,memory').ok && parseFilter(undefined, 'memory,cpu')).toMatchObject({ filter: { projectionKey: 'cpu,memory' } })
  })

  it.each([
    ['unknown channel', 'metrics,bogus', undefined],
    ['empty channel list', '', undefined],
    ['unknown metric field', undefined, 'cpu,disk'],
    ['repeated parameter', ['metrics', 'alerts'], undefined],
    ['oversized list', 'metrics,'.repeat(MAX_FILTER_LENGTH), undefined],
  ])('refuses an %s with a message', (_name, channels, metrics) => {
    const result = parseFilter(channels, metrics)
    expect(result.ok).toBe(false)
    expect(!result.ok && result.error).toMatch(/channel|field|once|too long/)
  })

  it('projects metrics but keeps what identifies the sample', () => {
    const metric = { source: 'a', cpu: 1, memory: 2, rps: 3, activeConnections: 4, errorRate: 0, timestamp: 't' }
    expect(projectMetric(metric, ['cpu'])).toEqual({ source: 'a', cpu: 1, timestamp: 't' })
    expect(projectMetric(metric, null)).toBe(metric)
  })
})

describe('resume point', () => {
  it('prefers the Last-Event-ID header over the query parameter', () => {
    expect(readLastEventId('5-1', '3-0')).toEqual({ ok: true, id: '5-1' })
    expect(readLastEventId(undefined, '3-0')).toEqual({ ok: true, id: '3-0' })
    expect(readLastEventId('', undefined)).toEqual({ ok: true, id: null })
  })

  it.each(['abc', '12', '1-2-3', '-1-0', '1.5-0', `${'9'.repeat(40)}-0`, '1-0\nid: 2-0'])('refuses the malformed id %j', (raw) => {
    expect(readLastEventId(raw, undefined).ok).toBe(false)
  })
})
