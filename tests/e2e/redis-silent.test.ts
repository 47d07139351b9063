import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'
import { compareEventIds } from '../../server/core/broker/event-id'

const TOKEN = 'publisher-token-for-tests'

async function post(url: string, body: unknown, key?: string) {
  const started = performance.now()
  const response = await fetch(`${url}/api/ingest/alerts`, {
    method: 'POST',
    headers: { 'authorization': `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  })
  const json = await response.json().catch(() => ({})) as { ids?: string[] }
  return { status: response.status, headers: response.headers, ids: json.ids ?? [], ms: performance.now() - started }
}

const alert = (message: string) => ({ level: 'info', message })

describe('Redis that stops answering (SIGSTOP) without closing its sockets', () => {
  let redis: RedisServer
  let app: AppServer
  beforeAll(async () => {
    redis = await startRedis()
    app = await startApp({ env: { NUXT_REDIS_URL: redis.url, NUXT_PUBLISH_TOKEN: TOKEN } })
    await waitFor(async () => (await fetch(`${app.url}/health/sse`)).status === 200, { what: 'broker ready' })
  })
  afterAll(async () => {
    redis?.resume()
    await app?.stop()
    await redis?.stop()
  })

  it('reports 503 within 5 s, refuses ingest within 3 s, and afterwards delivers every accepted event exactly once, in order', async () => {
    const stream = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`)
    const accepted: string[] = []
    for (let n = 0; n < 3; n++) accepted.push(...(await post(app.url, alert(`before ${n}`))).ids)
    await stream.waitFor(e => e.some(x => x.id === accepted.at(-1)), 'events before the pause')

    redis.pause()
    const pausedAt = performance.now()
    // Sent into the silence: answered in bounded time, never hung.
    const batch = [alert('batch 0'), alert('batch 1'), alert('batch 2')]
    const [during] = await Promise.all([
      post(app.url, batch, 'retried-batch-1'),
      waitFor(async () => (await fetch(`${app.url}/health/sse`)).status === 503, { what: '/health/sse 503', timeout: 5000, interval: 100 }),
    ])
    expect(performance.now() - pausedAt).toBeLessThan(5000)
    expect(during.status).toBe(503)
    expect(during.ms).toBeLessThan(3000)
    expect(during.headers.get('retry-after')).toBe('1')
    const later = await post(app.url, alert('while silent'))
    expect(later.status).toBe(503)
    expect(later.ms).toBeLessThan(3000)

    // Stay silent for the whole fault, as a partition would.
    await waitFor(() => performance.now() - pausedAt > 10_000, { what: 'ten seconds of silence', timeout: 12_000, interval: 200 })
    redis.resume()
    await waitFor(async () => (await fetch(`${app.url}/health/sse`)).status === 200, { what: '/health/sse back to 200', timeout: 20_000 })

    // The collector retries the batch it could not confirm, with the same key.
    const retried = await post(app.url, batch, 'retried-batch-1')
    expect(retried.status).toBe(200)
    accepted.push(...retried.ids)
    for (let n = 0; n < 3; n++) accepted.push(...(await post(app.url, alert(`after ${n}`))).ids)
    await stream.waitFor(e => e.some(x => x.id === accepted.at(-1)), 'events after the pause', 20_000)

    const ids = stream.durable.map(x => x.id!)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).toEqual([...ids].sort(compareEventIds))
    for (const id of accepted) expect(ids).toContain(id)
    const messages = stream.durable.map(x => JSON.parse(x.data).message as string)
    for (const m of ['batch 0', 'batch 1', 'batch 2']) expect(messages.filter(x => x === m)).toHaveLength(1)
    // Everything in the log from the first accepted event on reached the stream once.
    const logged = (await redis.client().xrange('dashboard:log', accepted[0]!, '+')).filter(([, f]) => f[1] === 'alerts').map(([id]) => id)
    expect(ids.filter(id => compareEventIds(id, accepted[0]!) >= 0)).toEqual(logged)
    stream.close()
  })
})
