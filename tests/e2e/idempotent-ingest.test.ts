import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const TOKEN = 'publisher-token-for-tests'

async function post(url: string, body: unknown, key?: string) {
  const response = await fetch(`${url}/api/ingest/alerts`, {
    method: 'POST',
    headers: { 'authorization': `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
    body: JSON.stringify(body),
  })
  const json = await response.json().catch(() => ({})) as { ids?: string[] }
  return { status: response.status, replayed: response.headers.get('idempotent-replayed'), ids: json.ids ?? [] }
}

const batch = (round: number) => [0, 1, 2].map(n => ({ level: 'warning', message: `round ${round} event ${n}` }))

describe('Idempotency-Key on two instances sharing one Redis', () => {
  let redis: RedisServer
  let a: AppServer
  let b: AppServer
  beforeAll(async () => {
    redis = await startRedis()
    const env = (id: string) => ({ NUXT_REDIS_URL: redis.url, NUXT_PUBLISH_TOKEN: TOKEN, NUXT_INSTANCE_ID: id })
    ;[a, b] = await Promise.all([startApp({ env: env('node-a') }), startApp({ env: env('node-b') })])
    await waitFor(async () => (await fetch(`${a.url}/health/sse`)).ok && (await fetch(`${b.url}/health/sse`)).ok, { what: 'both instances on Redis' })
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await redis?.stop()
  })

  it('publishes once when both race the same key; the loser answers the same ids, marked replayed', async () => {
    const stream = await SseStream.open(`${b.url}/api/sse/dashboard?channels=alerts`)
    const rounds = 10
    const winners: string[][] = []
    for (let round = 0; round < rounds; round++) {
      const [fromA, fromB] = await Promise.all([post(a.url, batch(round), `race-${round}`), post(b.url, batch(round), `race-${round}`)])
      expect([fromA.status, fromB.status]).toEqual([200, 200])
      expect(fromA.ids).toEqual(fromB.ids)
      expect([fromA.replayed, fromB.replayed].sort()).toEqual(['true', null].sort())
      winners.push(fromA.ids)
    }
    await stream.waitFor(e => e.some(x => x.id === winners.at(-1)!.at(-1)), 'the last round')
    const messages = stream.durable.map(x => JSON.parse(x.data).message as string).filter(m => m.startsWith('round '))
    expect(messages).toEqual(Array.from({ length: rounds }, (_, r) => batch(r).map(e => e.message)).flat())
    stream.close()
  })

  it('answers 422 for the same key with another body, and 400 for a malformed key', async () => {
    const first = await post(a.url, batch(100), 'once')
    expect(first.status).toBe(200)
    expect((await post(b.url, batch(100), 'once')).ids).toEqual(first.ids)
    expect((await post(b.url, batch(101), 'once')).status).toBe(422)
    expect((await post(a.url, batch(102), 'x'.repeat(201))).status).toBe(400)
    expect((await post(a.url, batch(102), 'tab\there')).status).toBe(400)
    expect((await post(a.url, batch(102), '')).status).toBe(400)
    expect((await post(a.url, batch(102), 'x'.repeat(200))).status).toBe(200)
  })

  it('appends a batch with one event the log refuses not at all', async () => {
    const before = await redis.client().xlen('dashboard:log')
    const tooBig = { level: 'info', message: 'too big', fields: { blob: 'x'.repeat(17_000) } }
    const response = await fetch(`${a.url}/api/ingest/logs`, {
      method: 'POST',
      headers: { 'authorization': `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ level: 'info', message: 'fine' }, tooBig, { level: 'info', message: 'fine too' }]),
    })
    expect(response.status).toBe(413)
    const appended = (await redis.client().xrange('dashboard:log', '-', '+')).slice(before)
    expect(appended.filter(([, f]) => f[1] === 'logs' && /"fine|too big/.test(f[3]!))).toHaveLength(0)
  })
})

describe('Idempotency-Key on the embedded broker', () => {
  let app: AppServer
  beforeAll(async () => {
    app = await startApp({ env: { NUXT_PUBLISH_TOKEN: TOKEN } })
  })
  afterAll(async () => {
    await app?.stop()
  })

  it('remembers keys in memory with the same answers', async () => {
    const first = await post(app.url, batch(1), 'mem-1')
    expect(first).toMatchObject({ status: 200, replayed: null })
    expect(await post(app.url, batch(1), 'mem-1')).toEqual({ status: 200, replayed: 'true', ids: first.ids })
    expect((await post(app.url, batch(2), 'mem-1')).status).toBe(422)
  })
})
