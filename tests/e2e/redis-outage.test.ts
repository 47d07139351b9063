import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { freePort } from '../helpers/ports'
import { ingest, SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const TOKEN = 'publisher-token-for-tests'

/** Publishes like a well-behaved collector: on 503 it keeps the event and tries again. */
async function publishWithRetry(url: string, n: number): Promise<string> {
  return waitFor(async () => {
    const { status, json } = await ingest(url, 'alerts', { level: 'info', message: `event ${n}` }, TOKEN)
    return status === 200 ? (json.ids as string[])[0] : null
  }, { timeout: 30_000, interval: 100, what: `event ${n} to be accepted` })
}

describe('Redis killed and restarted mid-stream', () => {
  let redis: RedisServer
  let app: AppServer
  beforeAll(async () => {
    redis = await startRedis()
    app = await startApp({ env: { NUXT_REDIS_URL: redis.url, NUXT_PUBLISH_TOKEN: TOKEN } })
    await waitFor(async () => (await fetch(`${app.url}/health/sse`)).status === 200, { what: 'broker ready' })
  })
  afterAll(async () => {
    await app?.stop()
    await redis?.stop()
  })

  it('keeps streaming, loses no durable event, and reports the outage on /health/sse', async () => {
    const stream = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`)
    const accepted: string[] = []
    for (let n = 0; n < 5; n++) accepted.push(await publishWithRetry(app.url, n))
    await stream.waitFor(e => e.some(x => x.id === accepted.at(-1)), 'events before the outage')

    await redis.kill()
    await waitFor(async () => (await fetch(`${app.url}/health/sse`)).status === 503, { what: '/health/sse to say 503' })
    const refused = await ingest(app.url, 'alerts', { level: 'info', message: 'during outage' }, TOKEN)
    expect(refused.status).toBe(503)

    // A collector keeps trying during the outage; Redis comes back meanwhile.
    const during = publishWithRetry(app.url, 5)
    await redis.restart()
    accepted.push(await during)
    for (let n = 6; n < 10; n++) accepted.push(await publishWithRetry(app.url, n))
    await waitFor(async () => (await fetch(`${app.url}/health/sse`)).status === 200, { what: '/health/sse back to 200' })

    await stream.waitFor(e => e.some(x => x.id === accepted.at(-1)), 'events after the outage', 30_000)
    const ours = new Set(accepted)
    expect(stream.durable.map(x => x.id).filter(id => ours.has(id!))).toEqual(accepted)
    expect(stream.ended).toBe(false)
    expect(app.proc.exitCode).toBeNull()
    const stats = await (await fetch(`${app.url}/api/sse/stats`)).json()
    expect(stats.broker.reconnects).toBeGreaterThanOrEqual(1)
    stream.close()
  })
})

describe('start-up without Redis', () => {
  it('serves requests before Redis is reachable and connects by itself once it is', async () => {
    const port = await freePort()
    const app = await startApp({ env: { NUXT_REDIS_URL: `redis://127.0.0.1:${port}`, NUXT_PUBLISH_TOKEN: TOKEN } })
    let redis: RedisServer | undefined
    try {
      expect((await fetch(`${app.url}/health/live`)).status).toBe(200)
      expect((await fetch(`${app.url}/health/sse`)).status).toBe(503)
      expect((await ingest(app.url, 'alerts', { level: 'info', message: 'early' }, TOKEN)).status).toBe(503)
      const stream = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`)
      expect(stream.status).toBe(200)
      redis = await startRedis({ port })
      await waitFor(async () => (await fetch(`${app.url}/health/sse`)).status === 200, { what: 'the broker to connect', timeout: 20_000 })
      const id = await publishWithRetry(app.url, 1)
      await stream.waitFor(e => e.some(x => x.id === id), 'an event once Redis is there')
      stream.close()
    }
    finally {
      await app.stop()
      await redis?.stop()
    }
  })
})
