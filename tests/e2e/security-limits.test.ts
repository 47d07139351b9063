import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import { SseStream } from '../helpers/sse-client'
import { probe } from '../helpers/http-probe'
import { waitFor } from '../helpers/wait'

const VIEWER = 'viewer-token-limits-Hq3Nw8'
const PUBLISHER = 'publisher-token-limits-Kd8Lp1'

/** Requests through the trusted proxy (127.0.0.1) on behalf of `client`. */
const asClient = (client: string, extra: Record<string, string> = {}) => ({ 'authorization': `Bearer ${VIEWER}`, 'x-forwarded-for': client, ...extra })

describe('limits', () => {
  let app: AppServer
  const open: SseStream[] = []
  async function stream(headers: Record<string, string>, localAddress?: string): Promise<SseStream> {
    const s = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`, { headers, localAddress })
    open.push(s)
    return s
  }

  beforeAll(async () => {
    app = await startApp({
      env: {
        NUXT_VIEWER_TOKEN: VIEWER,
        NUXT_SESSION_PASSWORD: 'session-password-limits-0123456789abcdef',
        NUXT_PUBLISH_TOKEN: PUBLISHER,
        NUXT_TRUSTED_PROXIES: '127.0.0.1',
        NUXT_SSE_MAX_CONNECTIONS: '3',
        NUXT_SSE_MAX_CONNECTIONS_PER_IP: '2',
        NUXT_INGEST_RATE_PER_SECOND: '1',
        NUXT_INGEST_RATE_BURST: '3',
        NUXT_AUTH_FAILURES_PER_MINUTE: '3',
        NUXT_INGEST_MAX_BYTES: '2048',
      },
    })
  })
  afterAll(async () => {
    for (const s of open) s.close()
    await app?.stop()
  })

  it('per client address: 429 beyond the limit; X-Forwarded-For counts only from the trusted proxy', async () => {
    expect((await stream(asClient('198.51.100.1'))).status).toBe(200)
    expect((await stream(asClient('198.51.100.1'))).status).toBe(200)
    const third = await stream(asClient('198.51.100.1'))
    expect(third.status).toBe(429)
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0)
    await third.waitForEnd()
    expect(JSON.parse(third.body).message).toMatch(/too many open streams/)
    // Not the trusted proxy: its X-Forwarded-For is ignored and it is a client of its own.
    expect((await stream(asClient('198.51.100.1'), '127.0.0.2')).status).toBe(200)
    // ... and the operator is told once why the header was ignored.
    // The server's stdout reaches the test through a pipe: wait for the line rather than read once.
    await waitFor(() => /X-Forwarded-For from 127\.0\.0\.2, which NUXT_TRUSTED_PROXIES does not list/.test(app.output()), { what: 'the untrusted-proxy warning' })
  })

  it('per instance: 503 with Retry-After when full, a free slot as soon as a stream ends', async () => {
    const full = await stream(asClient('198.51.100.9'))
    expect(full.status).toBe(503)
    expect(full.headers['retry-after']).toBe('5')
    // Refused before authentication: even a wrong token gets the 503 (and holds nothing).
    expect((await probe(`${app.url}/api/sse/dashboard`)).status).toBe(503)
    open.shift()!.close()
    const next = await waitFor(async () => {
      const s = await stream(asClient('198.51.100.9'))
      return s.status === 200 ? s : null
    }, { what: 'a freed stream slot' })
    expect(next.status).toBe(200)
  })

  it('refused and unauthenticated streams give their slot back', async () => {
    for (const s of open.splice(0)) s.close()
    await waitFor(async () => (await probe(`${app.url}/api/sse/dashboard`)).status === 401, { what: 'all slots free' })
    for (let i = 0; i < 10; i++) expect((await probe(`${app.url}/api/sse/dashboard`)).status).toBe(401)
    for (let i = 0; i < 10; i++) expect((await probe(`${app.url}/api/sse/dashboard?channels=bogus`, { headers: asClient('198.51.100.2') })).status).toBe(400)
    const streams = [await stream(asClient('198.51.100.3')), await stream(asClient('198.51.100.4')), await stream(asClient('198.51.100.5'))]
    expect(streams.map(s => s.status)).toEqual([200, 200, 200])
    for (const s of open.splice(0)) s.close()
  })

  it('ingest: 429 with Retry-After beyond the rate of one client, others unaffected; 413 beyond the size', async () => {
    const post = (client: string, body: string) => probe(`${app.url}/api/ingest/alerts`, {
      method: 'POST',
      headers: { 'authorization': `Bearer ${PUBLISHER}`, 'content-type': 'application/json', 'x-forwarded-for': client },
      body,
    })
    const alert = JSON.stringify({ level: 'info', message: 'rate test' })
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await post('203.0.113.1', alert)).status)
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200])
    const limited = await post('203.0.113.1', alert)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect((await post('203.0.113.2', alert)).status).toBe(200)
    const big = await post('203.0.113.3', JSON.stringify({ level: 'info', message: 'x'.repeat(4000) }))
    expect(big.status).toBe(413)
  })

  it('stream parameters: long filter lists, long or repeated event ids are 400', async () => {
    const headers = asClient('198.51.100.6')
    expect((await probe(`${app.url}/api/sse/dashboard?channels=${'alerts,'.repeat(40)}`, { headers })).status).toBe(400)
    expect((await probe(`${app.url}/api/sse/dashboard?metrics=${'cpu,'.repeat(70)}`, { headers })).status).toBe(400)
    expect((await probe(`${app.url}/api/sse/dashboard`, { headers: { ...headers, 'last-event-id': `1-${'1'.repeat(40)}` } })).status).toBe(400)
    expect((await probe(`${app.url}/api/sse/dashboard?lastEventId=1-0&lastEventId=2-0`, { headers })).status).toBe(400)
  })

  it('failed sign-ins and wrong bearer tokens: 429 once each budget is spent, for that client only, even with the right token', async () => {
    const login = (client: string, token: string) => probe(`${app.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      body: JSON.stringify({ token }),
    })
    for (let i = 0; i < 3; i++) expect((await login('192.0.2.50', 'wrong-token-wrong-token')).status).toBe(401)
    const blocked = await login('192.0.2.50', VIEWER)
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    // Guesses through the stream's bearer check have a budget of their own (so
    // stale credentials of stream clients never lock people out of sign-in).
    const guess = () => probe(`${app.url}/api/sse/dashboard`, { headers: { 'authorization': 'Bearer guess-guess-guess', 'x-forwarded-for': '192.0.2.50' } })
    for (let i = 0; i < 3; i++) expect((await guess()).status).toBe(401)
    expect((await guess()).status).toBe(429)
    expect((await login('192.0.2.51', VIEWER)).status).toBe(200)
  })
})
