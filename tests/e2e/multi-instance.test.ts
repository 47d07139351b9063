import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { ingest, SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const TOKEN = 'publisher-token-for-tests'

describe('two instances on one Redis', () => {
  let redis: RedisServer
  let a: AppServer
  let b: AppServer
  beforeAll(async () => {
    redis = await startRedis()
    const env = (id: string) => ({ NUXT_REDIS_URL: redis.url, NUXT_PUBLISH_TOKEN: TOKEN, NUXT_INSTANCE_ID: id, NUXT_LOG_MAX_EVENTS: '500' })
    ;[a, b] = await Promise.all([startApp({ env: env('node-a') }), startApp({ env: env('node-b') })])
    await waitFor(async () => (await fetch(`${a.url}/health/sse`)).ok && (await fetch(`${b.url}/health/sse`)).ok, { what: 'both instances on Redis' })
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await redis?.stop()
  })

  it('delivers an event ingested on A to a client on B, with the same id', async () => {
    const onA = await SseStream.open(`${a.url}/api/sse/dashboard?channels=alerts`)
    const onB = await SseStream.open(`${b.url}/api/sse/dashboard?channels=alerts`)
    const { json } = await ingest(a.url, 'alerts', { level: 'warning', message: 'disk filling up' }, TOKEN)
    const [id] = json.ids as string[]
    await onB.waitFor(e => e.some(x => x.id === id), 'the alert on B')
    await onA.waitFor(e => e.some(x => x.id === id), 'the alert on A')
    expect(onB.durable.find(x => x.id === id)!.data).toBe(onA.durable.find(x => x.id === id)!.data)
    onA.close()
    onB.close()
  })

  it('resumes on B exactly where a client left A: the rest, in order, no gap, no duplicate', async () => {
    const alerts = (from: number, count: number) => Array.from({ length: count }, (_, n) => ({ level: 'info', message: `step ${from + n}` }))
    const first = await SseStream.open(`${a.url}/api/sse/dashboard?channels=alerts,logs`)
    const ids = (await ingest(a.url, 'alerts', alerts(0, 20), TOKEN)).json.ids as string[]
    await first.waitFor(e => e.some(x => x.id === ids.at(-1)), 'the first half')
    first.close()
    // The rest is published while the client is away, on both instances.
    ids.push(...(await ingest(a.url, 'alerts', alerts(20, 20), TOKEN)).json.ids as string[])
    ids.push(...(await ingest(b.url, 'alerts', alerts(40, 10), TOKEN)).json.ids as string[])
    const second = await SseStream.open(`${b.url}/api/sse/dashboard?channels=alerts,logs`, { headers: { 'last-event-id': first.lastEventId! } })
    await second.waitFor(e => e.some(x => x.id === ids.at(-1)), 'every remaining event')
    const all = [...first.durable, ...second.durable].map(x => x.id!)
    expect(new Set(all).size).toBe(all.length)
    const ours = new Set(ids)
    expect(all.filter(id => ours.has(id))).toEqual(ids)
    expect(second.durable.filter(x => ours.has(x.id!)).map(x => x.id)).toEqual(ids.slice(20))
    second.close()
  })

  it('answers reset for ids it never issued and for ids trimmed from the log', async () => {
    const stale = await SseStream.open(`${b.url}/api/sse/dashboard?channels=alerts`, { headers: { 'last-event-id': '1000-0' } })
    await stale.waitFor(e => e.some(x => x.event === 'reset'), 'reset')
    expect(JSON.parse(stale.events.find(x => x.event === 'reset')!.data).reason).toBe('expired')
    const { json } = await ingest(a.url, 'alerts', { level: 'info', message: 'after reset' }, TOKEN)
    await stale.waitFor(e => e.some(x => x.id === (json.ids as string[])[0]), 'live events after the reset')
    stale.close()
    const future = await SseStream.open(`${a.url}/api/sse/dashboard`, { headers: { 'last-event-id': `${Date.now() + 86_400_000}-0` } })
    await future.waitFor(e => e.some(x => x.event === 'reset'), 'reset for an unknown id')
    expect(JSON.parse(future.events.find(x => x.event === 'reset')!.data).reason).toBe('unknown-id')
    future.close()
  })

  it('reports each instance\'s own metrics to clients on both', async () => {
    const stream = await SseStream.open(`${a.url}/api/sse/dashboard?channels=metrics`)
    await stream.waitFor(e => new Set(e.map(x => JSON.parse(x.data).source)).size >= 2, 'metrics from both instances')
    const sources = new Set(stream.durable.map(x => JSON.parse(x.data).source))
    expect([...sources].sort()).toEqual(['node-a', 'node-b'])
    stream.close()
  })
})
