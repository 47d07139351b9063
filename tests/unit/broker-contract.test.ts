import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Broker, BrokerLimits, BrokerMessage, LogRetention } from '../../server/core/broker/types'
import { BrokerUnavailableError, EventTooLargeError, IdempotencyConflictError, InvalidEventError } from '../../server/core/broker/errors'
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
  broker.setConsumer(message => received.push(message))
  broker.start()
  open.push(broker)
  await waitFor(() => broker.state() === 'ready', { what: 'broker ready' })
  return { broker, received, prefix }
}

const retentionOf = (r?: Partial<LogRetention>): LogRetention => ({ maxAgeMs: 60_000, maxEvents: 1000, ...r })
const limits: BrokerLimits = { eventMaxBytes: 4096, idempotencyTtlS: 600 }
const redisBroker = (url: string, prefix: string, r?: Partial<LogRetention>) =>
  new RedisBroker({ target: { kind: 'single', url }, prefix, retention: retentionOf(r), limits, logger: quiet, commandTimeoutMs: 500, readerBlockMs: 250 })

const factories: [string, Factory][] = [
  ['memory', r => harness(new MemoryBroker(retentionOf(r), undefined, limits), 'memory')],
  ['redis', (r) => {
    const prefix = `t-${randomUUID()}`
    return harness(redisBroker(redis.url, prefix, r), prefix)
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

  it('appends a batch whole or not at all', async () => {
    const { broker, received } = await create()
    const big = JSON.stringify({ level: 'info', message: 'x'.repeat(5000), source: 'test', timestamp: '2026-01-01T00:00:00.000Z' })
    await expect(broker.publishBatch('alerts', [alert(1), big, alert(3)])).rejects.toBeInstanceOf(EventTooLargeError)
    const { ids, replayed } = await broker.publishBatch('alerts', [alert(4), alert(5), alert(6)])
    expect(replayed).toBe(false)
    await waitFor(() => received.length >= 3, { what: 'the batch' })
    expect(received.map(m => m.id)).toEqual(ids)
    expect(received.map(m => JSON.parse(m.json).message)).toEqual(['event 4', 'event 5', 'event 6'])
    const all = await broker.replay(ORIGIN_ID, 100)
    expect(all.kind === 'ok' && all.events.map(e => e.id)).toEqual(ids)
  })

  it('publishes once per idempotency key: a repeat answers the same ids, another body is refused', async () => {
    const { broker, received } = await create()
    const first = await broker.publishBatch('alerts', [alert(1), alert(2)], { idempotencyKey: 'collector-7:batch-1' })
    expect(first.replayed).toBe(false)
    const again = await broker.publishBatch('alerts', [alert(1), alert(2)], { idempotencyKey: 'collector-7:batch-1' })
    expect(again).toEqual({ ids: first.ids, replayed: true })
    await expect(broker.publishBatch('alerts', [alert(3)], { idempotencyKey: 'collector-7:batch-1' })).rejects.toBeInstanceOf(IdempotencyConflictError)
    // A fingerprint says what "the same body" is when the appended events differ per attempt.
    const byRequest = await broker.publishBatch('alerts', [alert(4)], { idempotencyKey: 'k2', fingerprint: 'request-hash' })
    expect(await broker.publishBatch('alerts', [alert(5)], { idempotencyKey: 'k2', fingerprint: 'request-hash' })).toEqual({ ids: byRequest.ids, replayed: true })
    const marker = await broker.publish('alerts', alert(99))
    await waitFor(() => received.some(m => m.id === marker), { what: 'the marker' })
    expect(received.map(m => JSON.parse(m.json).message)).toEqual(['event 1', 'event 2', 'event 4', 'event 99'])
    expect(broker.stats().idempotentReplays).toBe(2)
  })

  it('replays only the asked channels, and its cursor moves past the others', async () => {
    const { broker } = await create()
    const start = await broker.publish('alerts', alert(0))
    const log = JSON.stringify({ level: 'info', message: 'a log line', source: 'test', timestamp: '2026-01-01T00:00:00.000Z' })
    const ids: string[] = []
    for (let n = 0; n < 6; n++) ids.push(await broker.publish(n % 3 === 2 ? 'alerts' : 'logs', n % 3 === 2 ? alert(n) : log))
    const page = await broker.replay(start, 3, new Set(['alerts']))
    expect(page).toMatchObject({ kind: 'ok', cursor: ids[2], truncated: true })
    expect(page.kind === 'ok' && page.events.map(e => e.id)).toEqual([ids[2]])
    const rest = await broker.replay(ids[2]!, 10, new Set(['alerts']))
    expect(rest).toMatchObject({ kind: 'ok', cursor: ids[5], truncated: false })
    expect(rest.kind === 'ok' && rest.events.map(e => e.id)).toEqual([ids[5]])
  })

  it('answers reset for an id older than the age limit even before anything newer trimmed it', async () => {
    const { broker } = await create({ maxAgeMs: 300 })
    const old = await broker.publish('alerts', alert(1))
    await new Promise(resolve => setTimeout(resolve, 400)) // the age limit itself is what is tested
    expect(await broker.replay(old, 10)).toEqual({ kind: 'reset', reason: 'expired' })
  })
})

describe('redis broker specifics', () => {
  it('delivers raw PUBLISH from any Redis client live, validated; garbage is dropped and counted', async () => {
    const prefix = `t-${randomUUID()}`
    const { broker, received } = await harness(redisBroker(redis.url, prefix), prefix)
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
    const { broker, received } = await harness(redisBroker(redis.url, prefix), prefix)
    const client = redis.client()
    await expect(client.call('FCALL', 'pulseboard_publish', 1, `${prefix}:log`, 'bogus', '{}')).rejects.toThrow(/unknown channel/)
    await expect(client.call('FCALL', 'pulseboard_publish', 1, `${prefix}:log`, 'alerts', '[1')).rejects.toThrow(/JSON object/)
    await expect(client.call('FCALL', 'pulseboard_publish', 1, `${prefix}:log`, 'alerts', '{"level":"nope","message":"x"}')).rejects.toThrow(/^INVALID level/)
    const id = await client.call('FCALL', 'pulseboard_publish', 1, `${prefix}:log`, 'alerts', '{"level":"warning","message":"from a collector"}') as string
    await waitFor(() => received.length === 1, { what: 'the collector event' })
    expect(received[0]!.id).toBe(id)
    expect(JSON.parse(received[0]!.json)).toMatchObject({ level: 'warning', source: 'external' })
    expect(broker.stats().invalidDropped).toBe(0)
  })

  it('trusts only the log: a forged announcement on the log channel injects nothing and stops nothing', async () => {
    const prefix = `t-${randomUUID()}`
    const { broker, received } = await harness(redisBroker(redis.url, prefix), prefix)
    const client = redis.client()
    await client.publish(`${prefix}:log`, `99999999999999-0\nalerts\n${alert(666)}`)
    await client.publish(`${prefix}:log`, 'garbage')
    const id = await broker.publish('alerts', alert(1))
    await waitFor(() => received.length >= 1, { what: 'the real event' })
    expect(received.map(m => m.id)).toEqual([id])
  })

  it('catches up from the log after losing its reader connection: nothing durable is lost or repeated', async () => {
    const prefix = `t-${randomUUID()}`
    const { broker, received } = await harness(redisBroker(redis.url, prefix), prefix)
    const client = redis.client()
    const publish = (n: number) => client.call('FCALL', 'pulseboard_publish', 1, `${prefix}:log`, 'alerts', alert(n)) as Promise<string>
    const ids = [await publish(0)]
    await waitFor(() => received.length === 1, { what: 'first event' })
    // Cut this broker's reader connection, publish while it is away.
    await killConnection(client, 'pulseboard-reader')
    for (let n = 1; n <= 20; n++) ids.push(await publish(n))
    await waitFor(() => received.length >= 21, { what: 'catch-up' })
    expect(received.map(m => m.id)).toEqual(ids)
    expect(broker.stats().reconnects).toBeGreaterThanOrEqual(1)
  })

  it('keeps durable publishes made while Redis is down and sends them once it is back', async () => {
    const own = await startRedis()
    try {
      const prefix = `t-${randomUUID()}`
      const { broker, received } = await harness(redisBroker(own.url, prefix), prefix)
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

/** Drops one of a broker's connections by its client name, as a network fault would. */
async function killConnection(client: Redis, name: string): Promise<void> {
  const list = await client.call('CLIENT', 'LIST') as string
  for (const line of list.split('\n')) {
    if (line.includes(` name=${name} `)) await client.call('CLIENT', 'KILL', 'ID', /\bid=(\d+)/.exec(line)![1]!)
  }
}

/** The exact entry that stopped delivery everywhere: a safe integer past the largest valid date. */
const POISON = '{"level":"info","message":"x","timestamp":8640000000000001}'

describe('redis publish function', () => {
  const fcall = (client: Redis, prefix: string, ...args: (string | number)[]) => client.call('FCALL', 'pulseboard_publish', 1, `${prefix}:log`, ...args)

  it('refuses what it can tell is invalid, with the reason, and appends nothing', async () => {
    const prefix = `t-${randomUUID()}`
    const { broker } = await harness(redisBroker(redis.url, prefix), prefix)
    const client = redis.client()
    await expect(broker.publishBatch('alerts', [alert(1), '{"level":"x","message":"y"}'])).rejects.toBeInstanceOf(InvalidEventError)
    await expect(fcall(client, prefix, 'metrics', '{"cpu":1}')).rejects.toThrow(/^INVALID memory/)
    await expect(fcall(client, prefix, 'metrics', '{"cpu":101,"memory":1,"rps":1,"activeConnections":1,"errorRate":0}')).rejects.toThrow(/^INVALID cpu/)
    await expect(fcall(client, prefix, 'health', '{"check":"db","status":"sleepy"}')).rejects.toThrow(/^INVALID status/)
    await expect(fcall(client, prefix, 'alerts', POISON)).rejects.toThrow(/^INVALID timestamp/)
    await expect(fcall(client, prefix, 'alerts', '{"level":"info","message":"x","timestamp":"yesterday"}')).rejects.toThrow(/^INVALID timestamp/)
    await expect(fcall(client, prefix, 'alerts', JSON.stringify({ level: 'info', message: 'x'.repeat(5000) }))).rejects.toThrow(/^TOOLARGE/)
    // Retention is the dashboard's setting, not the caller's.
    await expect(fcall(client, prefix, 'alerts', '{"level":"info","message":"x"}', 1, 1)).rejects.toThrow(/retention/)
    // A batch with one bad event appends none of it.
    await expect(client.call('FCALL', 'pulseboard_publish_batch', 1, `${prefix}:log`, 'alerts', '', '', '', alert(1), '{"level":"x","message":"y"}', alert(3)))
      .rejects.toThrow(/^INVALID event 1: level/)
    expect(await client.xlen(`${prefix}:log`)).toBe(0)
  })

  it('takes retention from the configuration the instances store in Redis', async () => {
    const prefix = `t-${randomUUID()}`
    await harness(redisBroker(redis.url, prefix, { maxEvents: 5 }), prefix)
    const client = redis.client()
    expect(await client.hgetall(`${prefix}:config`)).toMatchObject({ maxEvents: '5', maxBytes: '4096' })
    for (let n = 0; n < 8; n++) await fcall(client, prefix, 'alerts', alert(n))
    expect(await client.xlen(`${prefix}:log`)).toBe(5)
  })

  it('accepts an idempotency key from collectors: the repeat answers the same id', async () => {
    const prefix = `t-${randomUUID()}`
    const { received } = await harness(redisBroker(redis.url, prefix), prefix)
    const client = redis.client()
    const id = await fcall(client, prefix, 'alerts', alert(1), 'sensor-4:reading-17')
    expect(await fcall(client, prefix, 'alerts', alert(1), 'sensor-4:reading-17')).toBe(id)
    await expect(fcall(client, prefix, 'alerts', alert(2), 'sensor-4:reading-17')).rejects.toThrow(/^CONFLICT/)
    await expect(fcall(client, prefix, 'alerts', alert(2), 'bad\nkey')).rejects.toThrow(/^INVALID idempotency key/)
    expect(await client.ttl(`${prefix}:idem:sensor-4:reading-17`)).toBeGreaterThan(500)
    await waitFor(() => received.length === 1, { what: 'the event' })
    expect(await client.xlen(`${prefix}:log`)).toBe(1)
  })
})

describe('redis broker faults', () => {
  it('skips a poison entry in the log (counted once) and keeps delivering what follows, live and on replay', async () => {
    const prefix = `t-${randomUUID()}`
    const { broker, received } = await harness(redisBroker(redis.url, prefix), prefix)
    const client = redis.client()
    const before = await broker.publish('alerts', alert(0))
    // What a collector with write access (or an older publish function) can put in the log.
    const poisonId = await client.xadd(`${prefix}:log`, '*', 'c', 'alerts', 'd', POISON) as string
    await client.xadd(`${prefix}:log`, '*', 'c', 'alerts', 'd', '{"level":"info","message":"x","timestamp":-8640000000000001}')
    await client.xadd(`${prefix}:log`, '*', 'c', 'nonsense')
    const after = [await broker.publish('alerts', alert(1)), await broker.publish('alerts', alert(2))]
    await waitFor(() => received.length >= 3, { what: 'events after the poison entry' })
    expect(received.map(m => m.id)).toEqual([before, ...after])
    expect(broker.stats().invalidDropped).toBe(3)
    const replayed = await broker.replay(before, 100)
    expect(replayed.kind === 'ok' && replayed.events.map(e => e.id)).toEqual(after)
    expect((await broker.range(poisonId, '+', 10)).map(e => e.id)).toEqual(after)
    // Read again by the replay and the range: still counted (and logged) once.
    expect(broker.stats().invalidDropped).toBe(3)
  })

  it('two instances racing one idempotency key append once; another body is refused', async () => {
    const prefix = `t-${randomUUID()}`
    const a = await harness(redisBroker(redis.url, prefix), prefix)
    const b = await harness(redisBroker(redis.url, prefix), prefix)
    for (let round = 0; round < 20; round++) {
      const key = `race-${round}`
      const results = await Promise.all([a, b].map(h => h.broker.publishBatch('alerts', [alert(round), alert(round + 100)], { idempotencyKey: key, fingerprint: 'same request' })))
      expect(results.map(r => r.replayed).sort()).toEqual([false, true])
      expect(results[0]!.ids).toEqual(results[1]!.ids)
    }
    expect(await redis.client().xlen(`${prefix}:log`)).toBe(40)
    await expect(b.broker.publishBatch('alerts', [alert(1)], { idempotencyKey: 'race-0', fingerprint: 'another request' })).rejects.toBeInstanceOf(IdempotencyConflictError)
  })

  it('keeps call order across an outage: nothing published after it overtakes what waited in the outbox', async () => {
    const own = await startRedis()
    try {
      const prefix = `t-${randomUUID()}`
      const { broker, received } = await harness(redisBroker(own.url, prefix), prefix)
      await own.kill()
      await waitFor(() => broker.state() === 'down', { what: 'broker down' })
      const calls: { label: string, id: Promise<string> }[] = []
      let firstDone = false
      for (let n = 0; n < 300; n++) calls.push({ label: `fired ${n}`, id: broker.publish('alerts', alert(n)) })
      void calls[0]!.id.then(() => (firstDone = true))
      await own.restart()
      // The outbox has started to drain: a fresh publish now must still go last.
      await waitFor(() => firstDone, { what: 'the outbox to start draining' })
      calls.push({ label: 'cleared', id: broker.publish('alerts', alert(1000)) })
      const ids = await Promise.all(calls.map(c => c.id))
      for (let i = 1; i < ids.length; i++) expect(compareEventIds(ids[i - 1]!, ids[i]!), `${calls[i]!.label} after ${calls[i - 1]!.label}`).toBeLessThan(0)
      await waitFor(() => received.length === ids.length, { what: 'every event' })
      expect(received.map(m => m.id)).toEqual(ids)
    }
    finally {
      await own.stop()
    }
  })

  it('notices a Redis that stops answering, bounds waiting publishes, then delivers every accepted event once, in order', async () => {
    const own = await startRedis()
    try {
      const prefix = `t-${randomUUID()}`
      const { broker, received } = await harness(redisBroker(own.url, prefix), prefix)
      const accepted = [await broker.publish('alerts', alert(0))]
      own.pause()
      const pausedAt = performance.now()
      // Sent into the silence: Redis may run it later, so the outcome is unknown.
      const ambiguous = broker.publishBatch('alerts', [alert(1), alert(2)], { idempotencyKey: 'retry-me', waitMs: 500 })
      const failure = await ambiguous.then(() => null, (error: unknown) => error)
      expect(failure).toBeInstanceOf(BrokerUnavailableError)
      expect(performance.now() - pausedAt).toBeLessThan(3000)
      await waitFor(() => broker.state() !== 'ready', { what: 'readiness to drop', timeout: 5000 })
      // The instance's own events wait in the outbox instead.
      const own3 = broker.publish('alerts', alert(3))
      own.resume()
      await waitFor(() => broker.state() === 'ready', { what: 'ready again' })
      const retried = await broker.publishBatch('alerts', [alert(1), alert(2)], { idempotencyKey: 'retry-me' })
      accepted.push(...retried.ids, await own3)
      const marker = await broker.publish('alerts', alert(4))
      accepted.push(marker)
      await waitFor(() => received.some(m => m.id === marker), { what: 'the marker' })
      const messages = received.map(m => JSON.parse(m.json).message as string)
      expect(messages.filter(m => m === 'event 1')).toHaveLength(1)
      expect(messages.filter(m => m === 'event 2')).toHaveLength(1)
      expect(new Set(received.map(m => m.id)).size).toBe(received.length)
      expect(received.map(m => m.id)).toEqual([...received.map(m => m.id!)].sort(compareEventIds))
      for (const id of accepted) expect(received.map(m => m.id)).toContain(id)
    }
    finally {
      own.resume()
      await own.stop()
    }
  })
})
