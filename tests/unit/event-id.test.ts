import { describe, expect, it } from 'vitest'
import { compareEventIds, nextEventId, parseEventId } from '../../server/core/broker/event-id'

describe('event ids', () => {
  it('orders by time, then sequence, numerically (not as text)', () => {
    expect(compareEventIds('9-0', '10-0')).toBeLessThan(0)
    expect(compareEventIds('10-2', '10-10')).toBeLessThan(0)
    expect(compareEventIds('10-1', '10-1')).toBe(0)
  })

  it('allocates like Redis XADD *: a new millisecond resets the sequence, the same one increments it', () => {
    expect(nextEventId(null, 100)).toEqual({ ms: 100, seq: 0 })
    expect(nextEventId({ ms: 100, seq: 0 }, 100)).toEqual({ ms: 100, seq: 1 })
    expect(nextEventId({ ms: 100, seq: 4 }, 99)).toEqual({ ms: 100, seq: 5 })
    expect(nextEventId({ ms: 100, seq: 4 }, 101)).toEqual({ ms: 101, seq: 0 })
  })

  it('refuses anything that is not <ms>-<seq>', () => {
    expect(parseEventId('1732000000000-3')).toEqual({ ms: 1732000000000, seq: 3 })
    expect(parseEventId('1732000000000')).toBeNull()
    expect(parseEventId(' 1-0')).toBeNull()
    expect(() => compareEventIds('x', '1-0')).toThrow(/not an event id/)
  })
})
