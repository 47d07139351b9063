import { describe, expect, it } from 'vitest'
import type { RelayedEvent } from '../../utils/tab-relay'
import { leavesGap, RelayLog, resumePoint, withResumeId } from '../../utils/tab-relay'

function chain(ids: string[], first: string | null): RelayedEvent[] {
  return ids.map((id, i) => ({ name: 'alert', data: { n: i }, id, prev: i === 0 ? first : ids[i - 1]! }))
}

describe('RelayLog', () => {
  it('gives the events after an id it reaches back to, and null for one it does not', () => {
    const log = new RelayLog(3)
    for (const event of chain(['1-0', '2-0', '3-0', '4-0'], '0-5')) log.add(event)
    expect(log.size).toBe(3)
    expect(log.after('2-0')!.map(e => e.id)).toEqual(['3-0', '4-0'])
    // The oldest kept event follows 1-0: nothing after 1-0 is missing.
    expect(log.after('1-0')!.map(e => e.id)).toEqual(['2-0', '3-0', '4-0'])
    expect(log.after('0-5')).toBeNull()
    expect(log.after('4-0')).toEqual([])
  })

  it('stays bounded over a long run and still answers from its oldest kept event', () => {
    const log = new RelayLog(5)
    const ids = Array.from({ length: 23 }, (_, i) => `${i + 1}-0`)
    for (const event of chain(ids, '0-0')) {
      log.add(event)
      expect(log.size).toBeLessThanOrEqual(5)
    }
    expect(log.size).toBe(5)
    expect(log.after('18-0')!.map(e => e.id)).toEqual(['19-0', '20-0', '21-0', '22-0', '23-0'])
    expect(log.after('20-0')!.map(e => e.id)).toEqual(['21-0', '22-0', '23-0'])
    expect(log.after('17-0')).toBeNull()
    log.clear()
    expect(log.size).toBe(0)
    expect(log.after('17-0')).toEqual([])
  })

  it('keeps only durable events, and offers nothing (but no gap) when empty', () => {
    const log = new RelayLog()
    log.add({ name: 'alert', data: {}, id: '', prev: null })
    expect(log.size).toBe(0)
    expect(log.after('9-9')).toEqual([])
  })

  it('reaches back to the first id of a stream that started live', () => {
    const log = new RelayLog()
    for (const event of chain(['5-0', '6-0'], null)) log.add(event)
    expect(log.after('5-0')!.map(e => e.id)).toEqual(['6-0'])
    expect(log.after('4-0')).toBeNull()
  })
})

describe('resumePoint', () => {
  it('takes the older of what this tab applied and what was relayed to all', () => {
    expect(resumePoint(null, null)).toBeNull()
    expect(resumePoint('5-0', null)).toBe('5-0')
    expect(resumePoint(null, '5-0')).toBe('5-0')
    expect(resumePoint('7-0', '5-0')).toBe('5-0')
    expect(resumePoint('5-0', '7-0')).toBe('5-0')
  })
})

describe('leavesGap', () => {
  it('is true only when the event follows something newer than what the tab has', () => {
    const [event] = chain(['9-0'], '8-0')
    expect(leavesGap(event!, '8-0')).toBe(false)
    expect(leavesGap(event!, '8-5')).toBe(false)
    expect(leavesGap(event!, '7-0')).toBe(true)
    expect(leavesGap(event!, null)).toBe(false)
    expect(leavesGap({ ...event!, id: '' }, '7-0')).toBe(false)
  })
})

describe('withResumeId', () => {
  it('sets or removes lastEventId and keeps the rest of the query', () => {
    expect(withResumeId('/api/sse/dashboard', '5-0')).toBe('/api/sse/dashboard?lastEventId=5-0')
    expect(withResumeId('/api/sse/dashboard?ticket=a%2Bb', '5-0')).toBe('/api/sse/dashboard?ticket=a%2Bb&lastEventId=5-0')
    expect(withResumeId('/api/sse/dashboard?lastEventId=1-0', null)).toBe('/api/sse/dashboard')
  })
})
