import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { SseStream } from '../helpers/sse-client'
import { cookieFrom, probe } from '../helpers/http-probe'
import { waitFor } from '../helpers/wait'

const VIEWER = 'viewer-token-redis-Yt6Gh3'
const auth = { authorization: `Bearer ${VIEWER}` }

describe('tickets and sessions across instances (Redis)', () => {
  let redis: RedisServer
  let a: AppServer
  let b: AppServer

  beforeAll(async () => {
    redis = await startRedis()
    const env = {
      NUXT_REDIS_URL: redis.url,
      NUXT_VIEWER_TOKEN: VIEWER,
      NUXT_SESSION_PASSWORD: 'session-password-redis-0123456789abcdef',
      // Short, so a test can watch one expire; long enough for a first request on a busy machine.
      NUXT_SSE_TICKET_TTL_MS: '2000',
      NUXT_AUTH_FAILURES_PER_MINUTE: '1000',
    }
    ;[a, b] = await Promise.all([startApp({ env }), startApp({ env })])
    await Promise.all([a, b].map(app => waitFor(async () => (await fetch(`${app.url}/health/sse`)).ok, { what: 'broker ready' })))
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await redis?.stop()
  })

  const issue = async (app: AppServer) => {
    const response = await fetch(`${app.url}/api/sse/ticket`, { method: 'POST', headers: auth })
    expect(response.status).toBe(200)
    return ((await response.json()) as { ticket: string }).ticket
  }

  it('a ticket issued on A opens the stream on B, once; A then refuses it', async () => {
    const ticket = await issue(a)
    const stream = await SseStream.open(`${b.url}/api/sse/dashboard?channels=metrics&ticket=${ticket}`)
    expect(stream.status).toBe(200)
    await stream.waitFor(events => events.some(e => e.event === 'metric-update'), 'a metric on B')
    stream.close()
    const again = await probe(`${a.url}/api/sse/dashboard?ticket=${ticket}`)
    expect(again.status).toBe(401)
    expect(again.body).not.toContain(ticket)
  })

  it('a ticket expires with its time to live, as Redis keeps it', async () => {
    const ticket = await issue(a)
    // The store keeps a hash of the ticket without its signature (`<ticket>.<signature>`).
    const key = `dashboard:ticket:${createHash('sha256').update(ticket.split('.')[0]!).digest('hex')}`
    const client = redis.client()
    expect(await client.exists(key)).toBe(1)
    await waitFor(async () => (await client.exists(key)) === 0, { what: 'Redis to expire the ticket' })
    const late = await probe(`${b.url}/api/sse/dashboard?ticket=${ticket}`)
    expect(late.status).toBe(401)
    expect(JSON.parse(late.body).message).toMatch(/expired/)
  })

  it('a session cookie from A is good on B (sealed, no server state)', async () => {
    const login = await fetch(`${a.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: VIEWER }) })
    const cookie = cookieFrom(login.headers, 'pulseboard_session')
    expect((await probe(`${b.url}/api/sse/dashboard`, { headers: { cookie } })).status).toBe(200)
  })

  it('answers 503 with Retry-After while Redis is away, and issues again once it is back', async () => {
    const issuedBefore = await issue(a)
    await redis.kill()
    const down = await waitFor(async () => {
      const result = await probe(`${a.url}/api/sse/ticket`, { method: 'POST', headers: auth })
      return result.status === 503 ? result : null
    }, { what: 'ticket endpoint to say 503' })
    expect(down.headers['retry-after']).toBe('1')
    expect((await probe(`${b.url}/api/sse/dashboard?ticket=${issuedBefore}`)).status).toBe(503)
    // A forged ticket never reaches the store: refused at once, whatever Redis does.
    expect((await probe(`${b.url}/api/sse/dashboard?ticket=${'t'.repeat(32)}`)).status).toBe(401)
    await redis.restart()
    const ticket = await waitFor(async () => {
      const response = await fetch(`${a.url}/api/sse/ticket`, { method: 'POST', headers: auth })
      return response.ok ? ((await response.json()) as { ticket: string }).ticket : null
    }, { what: 'tickets again after Redis returned' })
    // B takes streams again once it is ready (its log reader and raw subscription back too).
    await waitFor(async () => (await fetch(`${b.url}/health/sse`)).ok, { what: 'instance B ready again' })
    expect((await probe(`${b.url}/api/sse/dashboard?ticket=${ticket}`)).status).toBe(200)
  })
})
