import { describe, expect, it } from 'vitest'
import { MemoryBroker } from '../../server/core/broker/memory-broker'
import { readMetricHistory } from '../../server/core/metric-history'

function metric(source: string, cpu: number, ms: number) {
  return JSON.stringify({ source, cpu, memory: 40, rps: 2, activeConnections: 1, errorRate: 0.5, timestamp: new Date(ms).toISOString() })
}

function setup() {
  let clock = 5_000_000
  const broker = new MemoryBroker({ maxAgeMs: 3_600_000, maxEvents: 10_000 }, () => clock)
  return { broker, tick: (ms: number) => (clock += ms), now: () => clock }
}

describe('readMetricHistory', () => {
  it('returns the metric samples after `since`, columns per source, skipping other channels', async () => {
    const { broker, tick, now } = setup()
    await broker.publish('metrics', metric('a', 1, now()))
    tick(1000)
    const since = now()
    for (let i = 0; i < 5; i++) {
      await broker.publish('metrics', metric('a', 10 + i, now()))
      await broker.publish('alerts', JSON.stringify({ level: 'info', message: 'x', source: 'a', timestamp: new Date(now()).toISOString() }))
      await broker.publish('metrics', metric('b', 20 + i, now()))
      tick(1000)
    }
    const history = await readMetricHistory(broker, since, null, { maxSamples: 100, pageSize: 3 })
    expect(history.truncated).toBe(false)
    expect(history.until).toBe(await broker.lastId())
    expect(Object.keys(history.sources)).toEqual(['a', 'b'])
    expect(history.sources.a!.cpu).toEqual([10, 11, 12, 13, 14])
    expect(history.sources.b!.t).toEqual([0, 1, 2, 3, 4].map(i => since + i * 1000))
    expect(history.sources.a).toMatchObject({ memory: [40, 40, 40, 40, 40], rps: [2, 2, 2, 2, 2], errorRate: [0.5, 0.5, 0.5, 0.5, 0.5] })
  })

  it('stops at `until`, so the stream can take over from there', async () => {
    const { broker, tick, now } = setup()
    await broker.publish('metrics', metric('a', 1, now()))
    tick(1)
    const until = await broker.publish('metrics', metric('a', 2, now()))
    tick(1)
    await broker.publish('metrics', metric('a', 3, now()))
    const history = await readMetricHistory(broker, 0, until)
    expect(history.sources.a!.cpu).toEqual([1, 2])
    expect(history.until).toBe(until)
  })

  it('caps the samples and says so; an empty log gives no sources', async () => {
    const { broker, tick, now } = setup()
    expect(await readMetricHistory(broker, 0, null)).toMatchObject({ until: '0-0', sources: {}, truncated: false })
    for (let i = 0; i < 10; i++) {
      await broker.publish('metrics', metric('a', i, now()))
      tick(1)
    }
    const history = await readMetricHistory(broker, 0, null, { maxSamples: 4, pageSize: 3 })
    expect(history.truncated).toBe(true)
    expect(history.sources.a!.cpu).toEqual([0, 1, 2, 3])
  })

  it('keeps a source named __proto__ as data', async () => {
    const { broker, now } = setup()
    await broker.publish('metrics', metric('__proto__', 7, now()))
    const history = await readMetricHistory(broker, 0, null)
    expect(Object.keys(history.sources)).toEqual(['__proto__'])
    expect(JSON.parse(JSON.stringify(history)).sources.__proto__.cpu).toEqual([7])
  })
})
