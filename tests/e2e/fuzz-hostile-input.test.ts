import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { Redis } from 'ioredis'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import type { ReceivedEvent } from '../helpers/sse-client'
import { ingest, SseStream } from '../helpers/sse-client'
import { probe } from '../helpers/http-probe'
import { waitFor } from '../helpers/wait'
import type { Channel } from '../../shared/events'
import { CHANNELS, EVENT_NAMES, PAYLOAD_SCHEMAS } from '../../shared/events'

const VIEWER = 'viewer-token-fuzz-Lp9Dd3'
const PUBLISHER = 'publisher-token-fuzz-Mx2Ss8'
const CHANNEL_OF_EVENT = new Map(CHANNELS.map(channel => [EVENT_NAMES[channel], channel]))

// ---- arbitraries: hostile text and near-valid payloads -------------------------------

const injection = fc.constantFrom(
  '\n\nevent: alert\ndata: {"forged":true}\n\n', '\r\nid: 99999999999999-0\r\n', '\rdata: x\r', 'retry: 1\n',
  ': comment\n', '\u0000', '\u2028\u2029', '</script><script>alert(1)</script>', '"}],"x":{"', '\\', '%00', '\uFEFF',
)
const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.tuple(fc.string({ maxLength: 10 }), injection, fc.string({ maxLength: 10 })).map(parts => parts.join('')),
)
const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, 100, -1, 1e308, Number.MAX_SAFE_INTEGER))
const timestamp = fc.oneof(fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(8.64e15) }).map(d => d.toISOString()), fc.nat(), text, fc.integer())

/** Mostly absent (valid), sometimes present and possibly wrong. */
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 1 })
/** Mostly one of the allowed values, sometimes anything. */
const mostly = (...values: string[]) => fc.oneof({ arbitrary: fc.constantFrom(...values), weight: 6 }, { arbitrary: text, weight: 1 })
const percent = fc.oneof({ arbitrary: fc.double({ min: 0, max: 100, noNaN: true }), weight: 6 }, { arbitrary: number, weight: 1 })
const nearValid: Record<Channel, fc.Arbitrary<Record<string, unknown>>> = {
  metrics: fc.record({ cpu: percent, memory: percent, rps: fc.nat(), activeConnections: fc.nat(), errorRate: percent, source: maybe(text), timestamp: maybe(timestamp) }, { requiredKeys: [] }),
  alerts: fc.record({ level: mostly('info', 'warning', 'critical'), message: text, source: maybe(text), timestamp: maybe(timestamp) }, { requiredKeys: ['level', 'message'] }),
  logs: fc.record({ level: mostly('debug', 'info', 'warn', 'error'), message: text, fields: maybe(fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })) }, { requiredKeys: ['level', 'message'] }),
  health: fc.record({ check: text, status: mostly('ok', 'degraded', 'down'), latencyMs: maybe(number), detail: maybe(text) }, { requiredKeys: ['check', 'status'] }),
}
const anyPayload = fc.oneof(...CHANNELS.map(channel => nearValid[channel]), fc.jsonValue({ maxDepth: 3 }))

// ---- the watcher: a client subscribed throughout -------------------------------------

/** Everything a well-behaved stream may carry, checked event by event. */
function checkWellFormed(events: ReceivedEvent[]): void {
  let lastId: [bigint, bigint] | null = null
  for (const event of events) {
    if (event.event === 'heartbeat') {
      expect(event.id).toBeUndefined()
      expect(event.data).toMatch(/^\d+$/)
      continue
    }
    const channel = CHANNEL_OF_EVENT.get(event.event)
    expect(channel, `unexpected event name ${JSON.stringify(event.event)}`).toBeDefined()
    const parsed = PAYLOAD_SCHEMAS[channel!].safeParse(JSON.parse(event.data))
    expect(parsed.success, `invalid ${channel} payload ${event.data.slice(0, 200)}`).toBe(true)
    if (event.id === undefined) continue
    const match = /^(\d+)-(\d+)$/.exec(event.id)
    expect(match, `malformed id ${JSON.stringify(event.id)}`).not.toBeNull()
    const id: [bigint, bigint] = [BigInt(match![1]!), BigInt(match![2]!)]
    if (lastId) expect(id[0] > lastId[0] || (id[0] === lastId[0] && id[1] > lastId[1]), `id ${event.id} out of order`).toBe(true)
    lastId = id
  }
}

/** One raw HTTP/1.1 request with arbitrary bytes; resolves with the status line (or '' if the server just closed). */
function rawRequest(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1')
      const line = received.indexOf('\r\n')
      if (line >= 0) {
        socket.destroy()
        resolve(received.slice(0, line))
      }
    })
    socket.on('close', () => resolve(received.split('\r\n')[0] ?? ''))
    socket.on('error', reject)
    socket.write(bytes)
  })
}

describe('fuzzing hostile input against a built server with Redis', () => {
  let redis: RedisServer
  let app: AppServer
  let watcher: SseStream
  let publisher: Redis
  /** Durable alerts, logs and health accepted by ingest (never conflated): id → what was sent. */
  const accepted = new Map<string, { channel: Channel, payload: Record<string, unknown> }>()

  beforeAll(async () => {
    redis = await startRedis()
    app = await startApp({
      env: {
        NUXT_REDIS_URL: redis.url,
        NUXT_VIEWER_TOKEN: VIEWER,
        NUXT_SESSION_PASSWORD: 'session-password-fuzz-0123456789abcdef',
        NUXT_PUBLISH_TOKEN: PUBLISHER,
        NUXT_SSE_ALLOW_QUERY_TOKEN: 'true',
        NUXT_SSE_HEARTBEAT_MS: '500',
        NUXT_SSE_MAX_CONNECTIONS_PER_IP: '100000',
        NUXT_SSE_OPENS_PER_MINUTE: '1000000',
        NUXT_INGEST_RATE_PER_SECOND: '100000',
        NUXT_INGEST_RATE_BURST: '100000',
        NUXT_AUTH_FAILURES_PER_MINUTE: '1000000',
        NUXT_INGEST_MAX_BYTES: '16384',
      },
    })
    await waitFor(async () => (await fetch(`${app.url}/health/sse`)).status === 200, { what: 'broker ready' })
    watcher = await SseStream.open(`${app.url}/api/sse/dashboard`, { headers: { authorization: `Bearer ${VIEWER}` } })
    expect(watcher.status).toBe(200)
    publisher = redis.client()
  })
  afterAll(async () => {
    watcher?.close()
    await app?.stop()
    await redis?.stop()
  })

  it('stream query strings, Last-Event-ID and credentials: a 200 stream or a 4xx, never a 5xx', async () => {
    const channelItem = fc.constantFrom('metrics', 'alerts', 'logs', 'health', '', ' ', 'METRICS', 'cpu', 'memory', 'x'.repeat(300))
    const idLike = fc.oneof(
      fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 17n }), fc.bigInt({ min: 0n, max: 10n ** 17n })).map(([ms, seq]) => `${ms}-${seq}`),
      fc.constantFrom('0-0', '-1-0', '1-', '1--1', '00000000000000001-0', ' 1-0 ', '1-0,2-0', '9'.repeat(40)),
    )
    const value = fc.oneof(fc.array(channelItem, { maxLength: 8 }).map(items => items.join(',')), idLike, text, fc.string({ maxLength: 400 }))
    const key = fc.oneof(fc.constantFrom('channels', 'metrics', 'lastEventId', 'token', 'ticket', '__proto__', 'constructor', 'channels[]'), fc.string({ maxLength: 12 }))
    const headerValue = (raw: string) => raw.replace(/[^\t\x20-\x7E\x80-\xFF]/g, '')
    const encodeLoosely = (raw: string) => [...Buffer.from(raw, 'utf8')].map(byte => (byte > 0x20 && byte < 0x7F && byte !== 0x23 ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0')}`)).join('')
    const credentials = fc.constantFrom<Record<string, string>>(
      { authorization: `Bearer ${VIEWER}` }, { authorization: `Bearer ${VIEWER}` }, { authorization: `Bearer ${VIEWER}` },
      {}, { authorization: 'Bearer wrong' }, { authorization: 'Basic x' }, { cookie: 'pulseboard_session=Fe26.2**junk' },
    )
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(key, value, fc.boolean()), { maxLength: 6 }),
      fc.option(fc.oneof(idLike, text.map(headerValue)), { nil: undefined }),
      credentials,
      async (pairs, lastEventId, auth) => {
        const query = pairs.map(([k, v, strict]) => strict ? `${encodeURIComponent(k.replace(/[\uD800-\uDFFF]/g, ''))}=${encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, ''))}` : `${encodeLoosely(k)}=${encodeLoosely(v)}`).join('&')
        const headers: Record<string, string> = { ...auth }
        if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
        const result = await probe(`${app.url}/api/sse/dashboard?${query}`, { headers })
        expect([200, 400, 401], `status ${result.status} for ?${query} ${JSON.stringify(headers)}: ${result.body.slice(0, 200)}`).toContain(result.status)
        if (result.status === 200) expect(result.headers['content-type']).toMatch(/^text\/event-stream/)
      },
    ), { numRuns: 3000 })
  })

  it('raw bytes in the request line and headers: the server answers 4xx (or streams), never 5xx', async () => {
    const bytes = fc.uint8Array({ maxLength: 40 }).map(array => Buffer.from(array))
    await fc.assert(fc.asyncProperty(bytes, bytes, fc.boolean(), async (target, header, authorized) => {
      const request = Buffer.concat([
        Buffer.from('GET /api/sse/dashboard?'), target, Buffer.from(' HTTP/1.1\r\nHost: fuzz\r\n'),
        Buffer.from(authorized ? `Authorization: Bearer ${VIEWER}\r\n` : ''),
        Buffer.from('Last-Event-ID: '), header, Buffer.from('\r\nConnection: close\r\n\r\n'),
      ])
      const status = await rawRequest(app.port, request)
      if (status === '') return // the parser gave up on the connection: no answer, no harm
      expect(status, `answer to ${JSON.stringify(request.toString('latin1'))}`).toMatch(/^HTTP\/1\.1 (200|4\d\d) /)
    }), { numRuns: 2000 })
  })

  it('ingest bodies: 200 with ids, or 4xx, never 5xx; accepted events reach the watcher intact', async () => {
    const oddChannel = fc.constantFrom('Metrics', 'log', '..', '%2e%2e', 'alerts%00')
    const forChannel = (channel: string) => {
      const shaped = (CHANNELS as readonly string[]).includes(channel) ? nearValid[channel as Channel] : anyPayload
      const payload = fc.oneof({ arbitrary: shaped, weight: 4 }, { arbitrary: anyPayload, weight: 1 })
      return fc.oneof(
        { arbitrary: payload.map(value => JSON.stringify(value)), weight: 5 },
        { arbitrary: fc.array(payload, { minLength: 1, maxLength: 4 }).map(values => JSON.stringify(values)), weight: 2 },
        { arbitrary: text, weight: 1 },
        { arbitrary: fc.constantFrom('', 'null', '[]', '{', '{"level":"info","message":"x"}'.repeat(2), `[${'{"level":"info","message":"x"},'.repeat(500)}1]`, '"'.repeat(20_000)), weight: 1 },
      )
    }
    const request = fc.oneof({ arbitrary: fc.constantFrom(...CHANNELS), weight: 9 }, { arbitrary: oddChannel, weight: 1 })
      .chain(channel => forChannel(channel).map(body => [channel, body] as const))
    await fc.assert(fc.asyncProperty(request, async ([target, text]) => {
      const { status, json } = await ingest(app.url, target, text, PUBLISHER)
      // Odd channel names may resolve to other paths (`..` is /api/: a viewer path, so 401).
      // 422: a new source once the instance tracks NUXT_MAX_SOURCES (every source here is random text).
      expect([200, 400, 401, 404, 413, 422], `status ${status} for ${target}: ${text.slice(0, 200)}`).toContain(status)
      if ((CHANNELS as readonly string[]).includes(target)) expect(status).not.toBe(401)
      if (status !== 200 || target === 'metrics') return
      const sent = JSON.parse(text) as Record<string, unknown> | Record<string, unknown>[]
      const items = Array.isArray(sent) ? sent : [sent]
      const ids = json.ids as string[]
      expect(ids).toHaveLength(items.length)
      ids.forEach((id, index) => accepted.set(id, { channel: target as Channel, payload: items[index]! }))
    }), { numRuns: 2000 })

    expect(accepted.size, 'enough accepted events to say something').toBeGreaterThan(100)
    await watcher.waitFor(events => [...accepted.keys()].every(id => events.some(e => e.id === id)), 'every accepted event on the watcher')
    for (const [id, { channel, payload }] of accepted) {
      const received = JSON.parse(watcher.events.find(e => e.id === id)!.data) as Record<string, unknown>
      expect(watcher.events.find(e => e.id === id)!.event).toBe(EVENT_NAMES[channel])
      const field = channel === 'health' ? 'check' : 'message'
      expect(received[field]).toBe(payload[field])
    }
  })

  it('raw Redis PUBLISH on dashboard:* channels: valid ones arrive live, everything else is dropped', async () => {
    const target = fc.constantFrom('dashboard:metrics', 'dashboard:alerts', 'dashboard:logs', 'dashboard:health', 'dashboard:log', 'dashboard:', 'dashboard:alerts:x')
    // Announcement-shaped junk for the log channel: ids already in the past, odd channels and bodies.
    const pastId = fc.oneof(fc.constantFrom('0-0', '0-1', '1-0', 'x-y', '', '-'), fc.tuple(fc.nat({ max: 1_000_000_000_000 }), fc.nat()).map(([ms, seq]) => `${ms}-${seq}`))
    const announcement = fc.tuple(pastId, fc.oneof(fc.constantFrom(...CHANNELS), text), anyPayload.map(v => JSON.stringify(v))).map(parts => parts.join('\n'))
    const payloadFor = (channel: string) => {
      const name = channel.slice('dashboard:'.length)
      const shaped = (CHANNELS as readonly string[]).includes(name) ? nearValid[name as Channel] : anyPayload
      return fc.oneof(
        { arbitrary: shaped.map(value => Buffer.from(JSON.stringify(value))), weight: 4 },
        { arbitrary: anyPayload.map(value => Buffer.from(JSON.stringify(value))), weight: 1 },
        { arbitrary: text.map(value => Buffer.from(value)), weight: 1 },
        { arbitrary: fc.uint8Array({ maxLength: 64 }).map(array => Buffer.from(array)), weight: 1 },
        { arbitrary: announcement.map(value => Buffer.from(value)), weight: name === 'log' ? 4 : 1 },
      )
    }
    const publish = target.chain(channel => payloadFor(channel).map(message => [channel, message] as const))
    const liveBefore = watcher.events.filter(e => e.id === undefined && e.event !== 'heartbeat').length
    let expectedLive = 0
    await fc.assert(fc.asyncProperty(publish, async ([channel, message]) => {
      await publisher.publish(channel, message)
      const name = channel.slice('dashboard:'.length)
      if (name === 'alerts' || name === 'logs' || name === 'health') {
        let value: unknown
        try {
          value = JSON.parse(message.toString('utf8'))
        }
        catch {
          return
        }
        // The broker decodes as UTF-8 too, so invalid bytes become U+FFFD on both sides.
        if (PAYLOAD_SCHEMAS[name].safeParse(value).success) expectedLive++
      }
    }), { numRuns: 3000 })
    // Pub/Sub keeps order: once this marker is delivered, everything before it was handled.
    await publisher.publish('dashboard:alerts', JSON.stringify({ level: 'info', message: 'fuzz-marker-end-of-raw' }))
    await watcher.waitFor(events => events.some(e => e.data.includes('fuzz-marker-end-of-raw')), 'the end marker')
    const live = watcher.events.filter(e => e.id === undefined && e.event !== 'heartbeat' && e.event !== 'metric-update').length - liveBefore
    expect(expectedLive, 'enough valid raw events to say something').toBeGreaterThan(100)
    expect(live).toBe(expectedLive + 1)
  })

  it('afterwards: every event the watcher saw was well-formed and in order, and the instance is healthy', async () => {
    expect(watcher.ended).toBe(false)
    expect(watcher.events.length).toBeGreaterThan(100)
    checkWellFormed(watcher.events)
    expect(app.proc.exitCode).toBeNull()
    expect(app.output()).not.toMatch(/\[request error\]|\[unhandled\]|\b50\d (GET|POST)\b/)
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200)
    expect((await fetch(`${app.url}/health/sse`)).status).toBe(200)
    const fresh = await SseStream.open(`${app.url}/api/sse/dashboard`, { headers: { authorization: `Bearer ${VIEWER}` } })
    const { json } = await ingest(app.url, 'alerts', { level: 'warning', message: 'after the fuzzing' }, PUBLISHER)
    await fresh.waitFor(events => events.some(e => e.event === 'metric-update') && events.some(e => e.id === (json.ids as string[])[0]), 'a metric and the new alert on a fresh stream')
    checkWellFormed(fresh.events)
    fresh.close()
  })
})
