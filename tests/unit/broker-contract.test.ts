import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Broker, BrokerMessage, LogRetention } from '../../server/core/broker/types'
import { MemoryBroker } from '../../server/core/broker/memory-broker'
import { RedisBroker } from '../../server/core/broker/redis-broker'
import { compareEventIds, ORIGIN_ID } from '../../server/core/broker/event-id'
import type { Logger } from '../../server/core/logger'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { waitFor } from '../helpers/wait'

const quiet: Logger = { info() {}, warn() {}, error() {} }
const alert = (n: number) => JSON.stringify({ level: 'info', message: `event ${n}`, source: 'test', timestamp: '2026-01-01T00:00:00.000Z' })

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
})

interface Harness {
  broker: Broker
  received: BrokerMessage[]
  prefix: string
}

type Factory = (retention?: Partial<LogRetention>) => Promise<Harness>

const open: Broker[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map(broker => broker.close()))
})

async function harness(broker: Broker, prefix: string): Promise<Harness> {
  const received: BrokerMessage[] = []
  broker.onMessage(message => received.push(message))
  broker.start()
  open.push(broker)
  await waitFor(() => broker.state() === 'ready', { what: 'broker ready' })
  return { broker, received, prefix }
}

const retentionOf = (r?: Partial<LogRetention>): LogRetention => ({ maxAgeMs: 60_000, maxEvents: 1000, ...r })

const factories: [string, Factory][] = [
  ['memory', r => harness(new MemoryBroker(retentionOf(r)), 'memory')],
  ['redis', (r) => {
    const prefix = `t-${randomUUID()}`
    return harness(new RedisBroker({ url: redis.url, prefix, retention: retentionOf(r), logger: quiet }), prefix)
  }],
]

describe.each(factories)('broker contract: %s', (_kind, create) => {
  it('gives durable events increasing ids and delivers each once, in order', async () => {
    const { broker, received } = await create()
    const ids: string[] = []
    for (let n = 0; n < 50; n++) ids.push(await broker.publish('alerts', alert(n)))
    for (let i = 1; i < ids.length; i++) expect(compareEventIds(ids[i - 1]!, ids[i]!)).toBeLessThan(0)
    await waitFor(() => received.length >= 50, { what: 'deliveries' })
    expect(received.map(m => m.id)).toEqual(ids)
    expect(received.map(m => JSON.parse(m.json).message)).toEqual(ids.map((_, n) => `event ${n}`))
    expect(await broker.lastId()).toBe(ids.at(-1))
  })

  it('replays exactly what came after an id, page by page', async () => {
    const { broker } = await create()
    const ids: string[] = []
    for (let n = 0; n < 12; n++) ids.push(await broker.publish('alerts', alert(n)))
    const first = await broker.replay(ids[3]!, 5)
    expect(first.kind === 'ok' && first.events.map(e => e.id)).toEqual(ids.slice(4, 9))
    expect(first.kind === 'ok' && first.truncated).toBe(true)
    const second = await broker.replay(ids[8]!, 5)
    expect(second.kind === 'ok' && second.events.map(e => e.id)).toEqual(ids.slice(9))
    expect(second.kind === 'ok' && second.truncated).toBe(false)
    const fromOrigin = await broker.replay(ORIGIN_ID, 100)
    expect(fromOrigin.kind === 'ok' && fromOrigin.events.map(e => e.id)).toEqual(ids)
    const range = await broker.range(ids[2]!, ids[4]!, 100)
    expect(range.map(e => e.id)).toEqual(ids.slice(2, 5))
  })

  it('answers reset for an id it never issued', async () => {
    const { broker } = await create()
    const id = await broker.publish('alerts', alert(1))
    const [ms] = id.split('-')
    expect(await broker.replay(`${ms}-999`, 10)).toEqual({ kind: 'reset', reason: 'unknown-id' })
    expect(await broker.replay(`${Number(ms) + 10_000}-0`, 10)).toEqual({ kind: 'reset', reason: 'unknown-id' })
  })

  it('answers reset (expired) for ids older than the retained log, also for the origin', async () => {
    const { broker } = await create({ maxEvents: 5 })
    const ids: string[] = []
    for (let n = 0; n < 8; n++) ids.push(await broker.publish('alerts', alert(n)))
    expect(await broker.replay(ids[0]!, 10)).toEqual({ kind: 'reset', reason: 'expired' })
    expect(await broker.replay(ORIGIN_ID, 10)).toEqual({ kind: 'reset', reason: 'expired' })
    const kept = await broker.replay(ids[3]!, 10)
    expect(kept.kind === 'ok' && kept.events.map(e => e.id)).toEqual(ids.slice(4))
  })

  it('trims by age', async () => {
    const { broker } = await create({ maxAgeMs: 200 })
    const old = await broker.publish('alerts', alert(1))
    await waitFor(async () => {
      await broker.publish('alerts', alert(2))
      return (await broker.replay(old, 10)).kind === 'reset'
    }, { what: 'the old event to age out' })
  })

  it('delivers live-only events without an id and keeps them out of the log', async () => {
    const { broker, received } = await create()
    const metric = JSON.stringify({ source: 'live', cpu: 1, memory: 2, rps: 3, activeConnections: 4, errorRate: 0, timestamp: '2026-01-01T00:00:00.000Z' })
    await broker.publishLive('metrics', metric)
    await waitFor(() => received.length === 1, { what: 'live delivery' })
    expect(received[0]).toEqual({ channel: 'metrics', json: metric })
    expect(await broker.lastId()).toBe(ORIGIN_ID)
  })
})

describe('redis broker specifics', () => {
  it('delivers raw PUBLISH from any Redis client live, validated; garbage is dropped and counted', async () => {
    const prefix = `t-${randomUUID()}`
    const { broker, received } = await harness(new RedisBroker({ url: redis.url, prefix, retention: retentionOf(), logger: quiet }), prefix)
    const client = redis.client()
    const sample = { cpu: 45.2, memory: 72.1, rps: 1200, activeConnections: 80, errorRate: 0.5, timestamp: '2026-04-21T10:00:00Z' }
    await client.publish(`${prefix}:metrics`, 'not json')
    await client.publish(`${prefix}:metrics`, JSON.stringify({ cpu: 'x' }))
    await client.publish(`${prefix}:alerts`, JSON.stringify(sample))
    await client.publish(`${prefix}:metrics`, JSON.stringify(sample))
    await waitFor(() => received.length === 1, { what: 'the valid message' })
    expect(received[0]!.id).toBeUndefined()
    expect(JSON.parse(received[0]!.json)).toEqual({ ...sample, source: 'external' })
    expect(broker.stats().invalidDropped).toBe(3)
  })

  it('accepts durable publishes from collectors calling the Redis function, with the same validation', async () => {
    const prefix = `t-${randomUUID()}`
    const { broker, received } = await harness(new RedisBroker({ url: redis.url, prefix, retention: retentionOf(), logger: quiet }), prefix)
    const client = redis.client()
    await expect(client.call('FCALL', 'pulseboard_publish', 1, `${prefix}:log`, 'bogus', '{}')).rejects.toThrow(/unknown channel/)
    await expect(client.call('FCALL', 'pulseboard_publish', 1, `${prefix}:log`, 'alerts', '[1')).rejects.toThrow(/JSON object/)
    await client.call('FCALL', 'pulseboard_publish', 1, `${prefix}:log`, 'alerts', '{"level":"nope","message":"x"}')
    const id = await client.call('FCALL', 'pulseboard_publish', 1, `${prefix}:log`, 'alerts', '{"level":"warning","message":"from a collector"}') as string
    await waitFor(() => received.length === 1, { what: 'the collector event' })
    expect(received[0]!.id).toBe(id)
    expect(JSON.parse(received[0]!.json)).toMatchObject({ level: 'warning', source: 'external' })
    expect(broker.stats().invalidDropped).toBe(1)
  })

  it('trusts only the log: a forged announcement on the log channel injects nothing and stops nothing', async () => {
    const prefix = `t-${randomUUID()}`
    const { broker, received } = await harness(new RedisBroker({ url: redis.url, prefix, retention: retentionOf(), logger: quiet }), prefix)
    const client = redis.client()
    await client.publish(`${prefix}:log`, `99999999999999-0\nalerts\n${alert(666)}`)
    await client.publish(`${prefix}:log`, 'garbage')
    const id = await broker.publish('alerts', alert(1))
    await waitFor(() => received.length >= 1, { what: 'the real event' })
    expect(received.map(m => m.id)).toEqual([id])
  })

  it('catches up from the log after losing its subscription: nothing durable is lost or repeated', async () => {
    const prefix = `t-${randomUUID()}`
    const { broker, received } = await harness(new RedisBroker({ url: redis.url, prefix, retention: retentionOf(), logger: quiet }), prefix)
    const client = redis.client()
    const publish = (n: number) => client.call('FCALL', 'pulseboard_publish', 1, `${prefix}:log`, 'alerts', alert(n)) as Promise<string>
    const ids = [await publish(0)]
    await waitFor(() => received.length === 1, { what: 'first event' })
    // Cut this broker's subscriber connection, publish while it is away.
    await client.call('CLIENT', 'KILL', 'TYPE', 'pubsub')
    for (let n = 1; n <= 20; n++) ids.push(await publish(n))
    await waitFor(() => received.length >= 21, { what: 'catch-up' })
    expect(received.map(m => m.id)).toEqual(ids)
    expect(broker.stats().reconnects).toBeGreaterThanOrEqual(1)
  })

  it('keeps durable publishes made while Redis is down and sends them once it is back', async () => {
    const own = await startRedis()
    try {
      const prefix = `t-${randomUUID()}`
      const { broker, received } = await harness(new RedisBroker({ url: own.url, prefix, retention: retentionOf(), logger: quiet }), prefix)
      await own.kill()
      await waitFor(() => broker.state() === 'down', { what: 'broker down' })
      // Both connections have noticed: a command now fails instead of being written to a dead socket.
      await waitFor(() => broker.ping().then(() => false, () => true), { what: 'the command connection to notice' })
      const pending = [broker.publish('alerts', alert(1)), broker.publish('alerts', alert(2))]
      await own.restart()
      const ids = await Promise.all(pending)
      await waitFor(() => broker.state() === 'ready', { what: 'broker ready again' })
      await waitFor(() => received.length === 2, { what: 'both events' })
      expect(received.map(m => m.id)).toEqual(ids)
    }
    finally {
      await own.stop()
    }
  })
})
