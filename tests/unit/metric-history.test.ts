import { describe, expect, it } from 'vitest'
import { MemoryBroker } from '../../server/core/broker/memory-broker'
import { firstRetainedId, planHistory, readHistoryFromLog } from '../../server/core/metric-history'

function metric(source: string, cpu: number, ms: number) {
  return JSON.stringify({ source, cpu, memory: 40, rps: 2, activeConnections: 1, errorRate: 0.5, timestamp: new Date(ms).toISOString() })
}

function setup(retention = { maxAgeMs: 3_600_000, maxEvents: 10_000 }) {
  let clock = 5_000_000
  const broker = new MemoryBroker(retention, () => clock)
  return { broker, tick: (ms: number) => (clock += ms), now: () => clock }
}

describe('history from the log', () => {
  it('reduces older buckets to their extremes, keeps the bucket of `until` exact and skips other channels', async () => {
    const { broker, tick, now } = setup()
    await broker.publish('metrics', metric('a', 1, now()))
    tick(10_000)
    for (let i = 0; i < 15; i++) {
      await broker.publish('metrics', metric('a', i === 3 ? 99 : 10 + i, now()))
      await broker.publish('alerts', JSON.stringify({ level: 'info', message: 'x', source: 'a', timestamp: new Date(now()).toISOString() }))
      tick(1000)
    }
    const until = await broker.lastId()
    const plan = planHistory(0, until, await firstRetainedId(broker, until), 10_000)
    const history = await readHistoryFromLog(broker, plan, undefined, 3)
    const a = history.sources.get('a')!
    // The first retained event's bucket is left out; 5,010,000–5,019,999 is reduced, the rest exact.
    expect(a.buckets).toEqual([501])
    expect(a.extremes.cpu).toEqual([10, 99])
    expect(a.exact.values.cpu).toEqual([20, 21, 22, 23, 24])
    expect(a.exact.t).toEqual([0, 1, 2, 3, 4].map(i => 5_020_000 + i * 1000))
  })

  it('stops at `until`, so the stream can take over from there', async () => {
    const { broker, tick, now } = setup()
    await broker.publish('metrics', metric('a', 0, now()))
    tick(10_000)
    await broker.publish('metrics', metric('a', 1, now()))
    tick(1)
    const until = await broker.publish('metrics', metric('a', 2, now()))
    tick(1)
    await broker.publish('metrics', metric('a', 3, now()))
    const history = await readHistoryFromLog(broker, planHistory(0, until, await firstRetainedId(broker, until), 10_000))
    expect(history.sources.get('a')!.exact.values.cpu).toEqual([1, 2])
    expect(history.until).toBe(until)
  })

  it('an empty log gives no sources; a source named __proto__ stays data', async () => {
    const { broker, tick, now } = setup()
    expect((await readHistoryFromLog(broker, planHistory(0, '0-0', null, 10_000))).sources.size).toBe(0)
    await broker.publish('metrics', metric('x', 0, now()))
    tick(10_000)
    await broker.publish('metrics', metric('__proto__', 7, now()))
    const until = await broker.lastId()
    const history = await readHistoryFromLog(broker, planHistory(0, until, await firstRetainedId(broker, until), 10_000))
    expect([...history.sources.keys()]).toEqual(['__proto__'])
    expect(Object.prototype).not.toHaveProperty('cpu')
  })
})
