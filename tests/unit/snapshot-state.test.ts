import { describe, expect, it } from 'vitest'
import { MemoryBroker } from '../../server/core/broker/memory-broker'
import type { BrokerMessage } from '../../server/core/broker/types'
import { SnapshotState } from '../../server/core/snapshot-state'
import type { SnapshotLimits } from '../../server/core/snapshot-state'

const quiet = { info() {}, warn() {}, error() {} }
const LIMITS: SnapshotLimits = { alerts: 3, logs: 2, windowMs: 60_000, pageSize: 2, maxKeys: 2 }

function metric(source: string, cpu: number, timestamp = '2026-01-01T00:00:00.000Z') {
  return JSON.stringify({ source, cpu, memory: 50, rps: 1, activeConnections: 0, errorRate: 0, timestamp })
}
function alert(message: string) {
  return JSON.stringify({ level: 'critical', message, source: 'a', timestamp: '2026-01-01T00:00:00.000Z' })
}

/** A memory broker whose messages reach the state the way the hub passes them on. */
function setup(limits = LIMITS) {
  let clock = 1_000_000
  const broker = new MemoryBroker({ maxAgeMs: 3_600_000, maxEvents: 10_000 }, () => clock)
  const state = new SnapshotState(broker, limits, quiet, () => clock)
  broker.setConsumer(message => state.receive(message))
  return { broker, state, tick: (ms = 1) => (clock += ms) }
}

describe('SnapshotState', () => {
  it('after the warm-up holds the latest metric per source and the newest alerts and logs, newest first', async () => {
    const { broker, state, tick } = setup()
    for (let i = 1; i <= 5; i++) {
      await broker.publish('metrics', metric('a', i))
      await broker.publish('alerts', alert(`alert ${i}`))
      await broker.publish('logs', JSON.stringify({ level: 'info', message: `log ${i}`, source: 'a', timestamp: '2026-01-01T00:00:00.000Z' }))
      tick()
    }
    await broker.publish('metrics', metric('b', 9))
    await state.warm()
    const snapshot = state.snapshot(15_000)
    expect(snapshot.complete).toBe(true)
    expect(snapshot.lastEventId).toBe(await broker.lastId())
    expect(snapshot.metrics.map(m => [m.source, m.cpu])).toEqual([['a', 5], ['b', 9]])
    expect(snapshot.alerts.map(a => a.data.message)).toEqual(['alert 5', 'alert 4', 'alert 3'])
    expect(snapshot.logs.map(l => l.data.message)).toEqual(['log 5', 'log 4'])
    expect(snapshot.alerts[0]!.id).toMatch(/^\d+-\d+$/)
    expect(snapshot.heartbeatMs).toBe(15_000)
  })

  it('applies events that arrive during the warm-up once, after the log, with no gap', async () => {
    const { broker, state } = setup({ ...LIMITS, alerts: 100 })
    for (let i = 0; i < 5; i++) await broker.publish('alerts', alert(`before ${i}`))
    // Publish while the warm-up is reading pages: these reach `receive` and
    // some of them also fall inside the range the warm-up reads.
    const realRange = broker.range.bind(broker)
    let published = 0
    broker.range = async (from: string, to: string, limit: number) => {
      if (published < 3) await broker.publish('alerts', alert(`during ${published++}`))
      return realRange(from, to, limit)
    }
    await state.warm()
    await broker.publish('alerts', alert('after'))
    expect(state.snapshot(1).alerts.map(a => a.data.message).reverse()).toEqual(
      ['before 0', 'before 1', 'before 2', 'before 3', 'before 4', 'during 0', 'during 1', 'during 2', 'after'],
    )
    expect(state.snapshot(1).lastEventId).toBe(await broker.lastId())
  })

  it('skips a durable event it already applied and keeps live-only events without moving the id', async () => {
    const { broker, state } = setup()
    const id = await broker.publish('metrics', metric('a', 1))
    await state.warm()
    state.receive({ id, channel: 'metrics', json: metric('a', 99) })
    expect(state.snapshot(1).metrics[0]!.cpu).toBe(1)
    const live: BrokerMessage = { channel: 'alerts', json: alert('raw publish') }
    state.receive(live)
    const snapshot = state.snapshot(1)
    expect(snapshot.lastEventId).toBe(id)
    expect(snapshot.alerts[0]).toEqual({ id: undefined, data: JSON.parse(live.json) })
  })

  it('bounds the number of sources kept, dropping the least recently updated', async () => {
    const { broker, state } = setup()
    await state.warm()
    await broker.publish('metrics', metric('a', 1))
    await broker.publish('metrics', metric('b', 1))
    await broker.publish('metrics', metric('a', 2))
    await broker.publish('metrics', metric('c', 1))
    expect(state.snapshot(1).metrics.map(m => m.source)).toEqual(['a', 'c'])
  })

  it('reads only the window, and resumes an empty log from its start', async () => {
    const { broker, state, tick } = setup()
    const empty = new SnapshotState(broker, LIMITS, quiet)
    expect(empty.snapshot(1).lastEventId).toBeNull()
    await empty.warm()
    expect(empty.snapshot(1).lastEventId).toBe('0-0')
    expect(await empty.whenReady(10)).toBe(true)
    await broker.publish('alerts', alert('old'))
    tick(120_000)
    const last = await broker.publish('alerts', alert('recent'))
    await state.warm()
    expect(state.snapshot(1).alerts.map(a => a.data.message)).toEqual(['recent'])
    expect(state.snapshot(1).lastEventId).toBe(last)
  })

  it('retries the warm-up while the broker fails, serving what arrived live meanwhile', async () => {
    const { broker, state } = setup()
    const realLastId = broker.lastId.bind(broker)
    let failures = 2
    broker.lastId = async () => {
      if (failures-- > 0) throw new Error('redis away')
      return realLastId()
    }
    const warm = state.warm(5)
    expect(await state.whenReady(1)).toBe(false)
    expect(state.snapshot(1).complete).toBe(false)
    await broker.publish('metrics', metric('a', 3))
    await warm
    expect(state.snapshot(1)).toMatchObject({ complete: true, metrics: [{ cpu: 3 }] })
  })
})
