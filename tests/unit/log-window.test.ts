import { describe, expect, it } from 'vitest'
import type { BrokerMessage } from '../../server/core/broker/types'
import { compareEventIds, ORIGIN_ID } from '../../server/core/broker/event-id'
import { readLogWindow, SharedLogWindow } from '../../server/core/log-window'

/** A log of `count` entries with ids 1000-0, 1001-0, …, counting the reads made of it. */
function fakeLog(count: number) {
  const entries: BrokerMessage[] = Array.from({ length: count }, (_, i) => ({ id: `${1000 + i}-0`, channel: 'metrics', json: `{"n":${i}}` }))
  const calls = { range: 0, lastId: 0 }
  return {
    calls,
    entries,
    lastId: async () => {
      calls.lastId++
      return entries.at(-1)?.id ?? ORIGIN_ID
    },
    range: async (from: string, to: string, limit: number) => {
      calls.range++
      return entries.filter(e => compareEventIds(e.id!, from) >= 0 && compareEventIds(e.id!, to) <= 0).slice(0, limit)
    },
  }
}

describe('reading the recent log at start', () => {
  it('reads a window page by page, in order, up to the newest entry', async () => {
    const log = fakeLog(25)
    const seen: string[] = []
    const target = await readLogWindow(log, '1003-0', m => seen.push(m.id!), 10)
    expect(target).toBe('1024-0')
    expect(seen).toEqual(log.entries.slice(3).map(e => e.id))
    expect(log.calls.range).toBe(3)
  })

  it('answers the origin for an empty log without reading it', async () => {
    const log = fakeLog(0)
    expect(await readLogWindow(log, '0-0', () => expect.unreachable(), 10)).toBe(ORIGIN_ID)
    expect(log.calls.range).toBe(0)
  })

  it('serves readers that ask together with one pass, each from its own start', async () => {
    const log = fakeLog(30)
    const shared = new SharedLogWindow(log, 10, 20)
    const early: string[] = []
    const late: string[] = []
    const [a, b] = await Promise.all([
      shared.read('1020-0', m => late.push(m.id!)),
      shared.read('1000-0', m => early.push(m.id!)),
    ])
    expect([a, b]).toEqual(['1029-0', '1029-0'])
    expect(early).toEqual(log.entries.map(e => e.id))
    expect(late).toEqual(log.entries.slice(20).map(e => e.id))
    expect(log.calls.lastId).toBe(1)
    expect(log.calls.range).toBe(3)

    // A read asked for later makes its own pass.
    const again: string[] = []
    await shared.read('1025-0', m => again.push(m.id!))
    expect(again).toEqual(log.entries.slice(25).map(e => e.id))
    expect(log.calls.lastId).toBe(2)
  })

  it('fails only the reader whose own handling throws', async () => {
    const log = fakeLog(5)
    const shared = new SharedLogWindow(log, 10, 20)
    const kept: string[] = []
    const [failed, fine] = await Promise.allSettled([
      shared.read('1000-0', (m) => {
        if (m.id === '1002-0') throw new Error('cannot apply')
      }),
      shared.read('1000-0', m => kept.push(m.id!)),
    ])
    expect(failed.status).toBe('rejected')
    expect(fine).toEqual({ status: 'fulfilled', value: '1004-0' })
    expect(kept).toHaveLength(5)
  })

  it('fails every reader of a pass the log could not be read for', async () => {
    const log = fakeLog(5)
    const broken = { ...log, range: async () => Promise.reject(new Error('connection lost')) }
    const shared = new SharedLogWindow(broken, 10, 20)
    const results = await Promise.allSettled([shared.read('1000-0', () => {}), shared.read('1000-0', () => {})])
    expect(results.map(r => r.status)).toEqual(['rejected', 'rejected'])
  })
})
