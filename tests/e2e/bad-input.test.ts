import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { ingest, SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const TOKEN = 'publisher-token-for-tests'

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers })
  return { status: response.status, body: await response.text() }
}

/** Raw request so header sizes are not limited by the client. */
function rawStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
}

describe('bad input gets a 4xx or a logged drop, and the instance keeps serving', () => {
  let redis: RedisServer
  let app: AppServer
  let watcher: SseStream
  beforeAll(async () => {
    redis = await startRedis()
    app = await startApp({ env: { NUXT_REDIS_URL: redis.url, NUXT_PUBLISH_TOKEN: TOKEN, NUXT_INGEST_MAX_BYTES: '4096' } })
    await waitFor(async () => (await fetch(`${app.url}/health/sse`)).status === 200, { what: 'broker ready' })
    watcher = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`)
  })
  afterAll(async () => {
    watcher?.close()
    await app?.stop()
    await redis?.stop()
  })

  it.each([
    ['a malformed Last-Event-ID', '/api/sse/dashboard', { 'last-event-id': 'not-an-id' }, /malformed event id/],
    ['an oversized Last-Event-ID', '/api/sse/dashboard', { 'last-event-id': '1'.repeat(200) }, /too long/],
    ['a malformed lastEventId parameter', '/api/sse/dashboard?lastEventId=1-0%0Aid:%202-0', {}, /malformed event id/],
    ['an unknown channel', '/api/sse/dashboard?channels=metrics,secrets', {}, /unknown channel/],
    ['an unknown metric field', '/api/sse/dashboard?metrics=cpu,temperature', {}, /unknown field/],
    ['a repeated filter', '/api/sse/dashboard?channels=alerts&channels=logs', {}, /given once/],
  ])('answers 400 with a message for %s', async (_name, path, headers, message) => {
    const { status, body } = await get(app.url + path, headers)
    expect(status).toBe(400)
    expect(JSON.parse(body).message).toMatch(message)
  })

  it('answers 431 for huge headers', async () => {
    expect(await rawStatus(`${app.url}/api/sse/dashboard`, { 'x-junk': 'x'.repeat(64 * 1024) })).toBe(431)
  })

  it.each([
    ['wrong token', 'alerts', { level: 'info', message: 'x' }, 'nope', 401, /publisher token/],
    ['unknown channel', 'secrets', { level: 'info', message: 'x' }, TOKEN, 400, /unknown channel/],
    ['invalid JSON', 'alerts', '{"level":', TOKEN, 400, /not valid JSON/],
    ['a bad field', 'metrics', { cpu: 'hot', memory: 1, rps: 1, activeConnections: 1, errorRate: 0 }, TOKEN, 400, /field `cpu`/],
    ['a bad field in a batch', 'alerts', [{ level: 'info', message: 'ok' }, { level: 'loud', message: 'x' }], TOKEN, 400, /event 1: field `level`/],
    ['an empty batch', 'alerts', [], TOKEN, 400, /send 1 to/],
    ['an oversized body', 'logs', { level: 'info', message: 'x'.repeat(5000) }, TOKEN, 413, /larger than 4096/],
  ])('refuses ingest with %s', async (_name, channel, body, token, status, message) => {
    const response = await ingest(app.url, channel, body, token)
    expect(response.status).toBe(status)
    expect(response.json.message).toMatch(message)
  })

  it('publishes nothing from a batch that has one bad event', async () => {
    const before = (await (await fetch(`${app.url}/api/sse/stats`)).json()).eventsPublished
    await ingest(app.url, 'alerts', [{ level: 'info', message: 'fine' }, { level: 'x' }], TOKEN)
    const after = (await (await fetch(`${app.url}/api/sse/stats`)).json()).eventsPublished
    // The metrics task publishes every second: compare only alerts that reached the watcher.
    expect(watcher.durable.some(e => JSON.parse(e.data).message === 'fine')).toBe(false)
    expect(after).toBeGreaterThanOrEqual(before)
  })

  it('drops garbage published straight into Redis, counts and logs it, and keeps delivering', async () => {
    const client = redis.client()
    const before = (await (await fetch(`${app.url}/api/sse/stats`)).json()).invalidDropped
    await client.publish('dashboard:alerts', 'this is not json')
    await client.publish('dashboard:alerts', JSON.stringify({ level: 'critical' }))
    await client.publish('dashboard:metrics', JSON.stringify({ cpu: -5 }))
    // Forged announcements on the log channel are not events at all: the log is read instead.
    await client.publish('dashboard:log', '99999999999999-0\nalerts\n{"level":"critical","message":"forged"}')
    await client.publish('dashboard:alerts', JSON.stringify({ level: 'critical', message: 'valid raw alert' }))
    await watcher.waitFor(e => e.some(x => x.event === 'alert' && JSON.parse(x.data).message === 'valid raw alert'), 'the valid raw alert')
    await waitFor(async () => (await (await fetch(`${app.url}/api/sse/stats`)).json()).invalidDropped >= before + 3, { what: 'drops counted' })
    await waitFor(() => /dropped invalid event \(raw PUBLISH on dashboard:alerts\)/.test(app.output()), { what: 'the drop to be logged' })
    const raw = watcher.events.find(x => x.event === 'alert' && JSON.parse(x.data).message === 'valid raw alert')!
    expect(raw.id).toBeUndefined()
    expect(watcher.events.some(x => x.data.includes('forged'))).toBe(false)
  })

  it('logs every refusal and is still healthy afterwards', async () => {
    expect(app.output()).toMatch(/400 GET \/api\/sse\/dashboard: malformed event id/)
    expect(app.output()).toMatch(/401 POST \/api\/ingest\/alerts/)
    expect(app.output()).not.toContain('not-an-id')
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200)
    expect((await fetch(`${app.url}/health/sse`)).status).toBe(200)
    const { json } = await ingest(app.url, 'alerts', { level: 'info', message: 'still alive' }, TOKEN)
    await watcher.waitFor(e => e.some(x => x.id === (json.ids as string[])[0]), 'a fresh event')
    expect(app.proc.exitCode).toBeNull()
  })
})

describe('ingest without a configured publisher token', () => {
  it('answers 403 naming the variable that enables it', async () => {
    const app = await startApp()
    try {
      const response = await ingest(app.url, 'alerts', { level: 'info', message: 'x' }, 'anything')
      expect(response.status).toBe(403)
      expect(response.json.message).toMatch(/NUXT_PUBLISH_TOKEN/)
    }
    finally {
      await app.stop()
    }
  })
})
