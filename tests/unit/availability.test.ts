import { describe, expect, it } from 'vitest'
import { AvailabilityTracker } from '../../server/core/availability'
import { LogGuard } from '../../server/core/broker/log-identity'
import type { LogProbe } from '../../server/core/broker/log-identity'

describe('outages as the instance saw them', () => {
  it('does not count the first connection, then reports an outage while it lasts and after', () => {
    let now = 1_000
    const tracker = new AvailabilityTracker(() => now)
    tracker.sample(false)
    expect(tracker.report()).toEqual({ downForMs: null, outages: 0, lastOutage: null })
    tracker.sample(true)
    now += 500
    tracker.sample(false)
    now += 2_000
    tracker.sample(false)
    expect(tracker.report()).toMatchObject({ downForMs: 2_000, outages: 1, lastOutage: null })
    now += 100
    tracker.sample(true)
    expect(tracker.report()).toEqual({ downForMs: null, outages: 1, lastOutage: { startedAt: new Date(1_500).toISOString(), endedAt: new Date(3_600).toISOString(), durationMs: 2_100 } })
  })
})

describe('the log guard', () => {
  it('counts primary changes by run id and log resets by verdict, probing at most once per interval', async () => {
    let now = 0
    let answer: LogProbe = { runId: 'a', epoch: 'e1', lastId: '10-0', firstId: '1-0', cursorPresent: true }
    const guard = new LogGuard(async () => answer, 1000, () => now)
    expect(guard.due()).toBe(true)
    expect(await guard.check('10-0')).toEqual({ kind: 'same' })
    expect(guard.due()).toBe(false)
    expect(guard.due(true)).toBe(true)
    answer = { runId: 'b', epoch: 'e1', lastId: '8-0', firstId: '1-0', cursorPresent: false }
    now += 1000
    expect(await guard.check('10-0')).toEqual({ kind: 'tail-lost' })
    answer = { runId: 'c', epoch: null, lastId: null, firstId: null, cursorPresent: false }
    expect(await guard.check('8-0')).toEqual({ kind: 'replaced' })
    // The next log's epoch is adopted, not taken for yet another replacement.
    answer = { runId: 'c', epoch: 'e2', lastId: '20-0', firstId: '20-0', cursorPresent: false }
    expect(await guard.check('0-0')).toEqual({ kind: 'same' })
    expect(guard.primaryChanges).toBe(2)
    expect(guard.logResets).toBe(2)
  })
})
