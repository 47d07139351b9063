import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import { probe } from '../helpers/http-probe'
import type { RawAnswer } from '../helpers/raw-http'
import { postHead, rawRequest } from '../helpers/raw-http'
import { SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const VIEWER = 'viewer-token-reqlimits-Jt6Ns1'
const PASSWORD = 'session-password-reqlimits-0123456789abcdef'
const PUBLISHER = 'publisher-token-reqlimits-Cw3Fy8'
const METRICS = 'metrics-token-reqlimits-Lg5Re2'
const REQUEST_TIMEOUT_MS = 2000
const HEADERS_TIMEOUT_MS = 1000

const viewer = (client: string) => ({ 'authorization': `Bearer ${VIEWER}`, 'x-forwarded-for': client })

function expectSecurityHeaders(headers: Record<string, string | string[] | undefined>, what: string): void {
  expect(headers['x-content-type-options'], what).toBe('nosniff')
  expect(headers['referrer-policy'], what).toBe('no-referrer')
  expect(headers['x-frame-options'], what).toBe('DENY')
}

/** The answer, or a marker once `ms` passed without one (a server that holds the request for minutes). */
function within(answer: Promise<RawAnswer>, ms: number): Promise<RawAnswer | 'still waiting'> {
  return Promise.race([answer, new Promise<'still waiting'>(resolve => setTimeout(resolve, ms, 'still waiting'))])
}

describe('request limits at the built server', () => {
  let app: AppServer
  const open: SseStream[] = []
  beforeAll(async () => {
    app = await startApp({
      env: {
        NUXT_VIEWER_TOKEN: VIEWER,
        NUXT_SESSION_PASSWORD: PASSWORD,
        NUXT_PUBLISH_TOKEN: PUBLISHER,
        NUXT_METRICS_TOKEN: METRICS,
        NUXT_TRUSTED_PROXIES: '127.0.0.1',
        NUXT_SSE_HEARTBEAT_MS: '500',
        NUXT_SSE_OPENS_PER_MINUTE: '5',
        NUXT_HISTORY_READS_PER_MINUTE: '3',
        NUXT_INGEST_MAX_CONCURRENT_PER_IP: '2',
        NUXT_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        NUXT_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      },
    })
  })
  afterAll(async () => {
    for (const stream of open) stream.close()
    await app?.stop()
  })

  it('stream requests per address: 429 with Retry-After beyond the rate, other addresses unaffected', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await probe(`${app.url}/api/sse/dashboard?channels=health&lastEventId=0-0`, { headers: viewer('198.51.100.20') })).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429])
    const limited = await probe(`${app.url}/api/sse/dashboard`, { headers: viewer('198.51.100.20') })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(JSON.parse(limited.body).message).toMatch(/NUXT_SSE_OPENS_PER_MINUTE/)
    expect((await probe(`${app.url}/api/sse/dashboard`, { headers: viewer('198.51.100.21') })).status).toBe(200)
  })

  it('history reads per address: 429 with Retry-After beyond the rate for reads that each cost a computation', async () => {
    // A different `until` each time defeats the shared answer: every read is computed.
    const since = Date.now() - 60_000
    const read = (client: string, n: number) => probe(`${app.url}/api/history?since=${since}&until=${since}-${n}`, { headers: viewer(client) })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await read('198.51.100.30', i)).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    const limited = await read('198.51.100.30', 9)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(JSON.parse(limited.body).message).toMatch(/NUXT_HISTORY_READS_PER_MINUTE/)
    expect((await read('198.51.100.31', 0)).status).toBe(200)
  })

  it('history reads per address: an office opening the dashboard at once shares one answer and is not refused', async () => {
    const since = Date.now() - 60_000
    const office = await Promise.all(Array.from({ length: 20 }, () => probe(`${app.url}/api/history?since=${since}&until=${since}-100`, { headers: viewer('198.51.100.32') })))
    expect(office.map(answer => answer.status)).toEqual(Array.from({ length: 20 }, () => 200))
    expect(new Set(office.map(answer => answer.body)).size).toBe(1)
  })

  it('a viewer flooding the ticket store gets 429; everyone else still gets tickets', async () => {
    const started = Date.now()
    const statuses: number[] = []
    for (let sent = 0; sent < 10_000 && !statuses.includes(429); sent += 200) {
      statuses.push(...await Promise.all(Array.from({ length: 200 }, () => fetch(`${app.url}/api/sse/ticket`, { method: 'POST', headers: viewer('198.51.100.40') })
        .then(async (response) => {
          await response.arrayBuffer()
          return response.status
        }))))
    }
    expect(statuses).toContain(429)
    // The default: 120 at once, then 2 a second.
    expect(statuses.filter(status => status === 200).length).toBeLessThanOrEqual(120 + Math.ceil((Date.now() - started) / 500))
    const other = await fetch(`${app.url}/api/sse/ticket`, { method: 'POST', headers: viewer('198.51.100.41') })
    expect(other.status).toBe(200)
  })

  it('slow bodies: a third concurrent ingest from one address is 429; a body at 1 byte per interval is cut with 408; streams live on', async () => {
    const stream = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`, { headers: viewer('198.51.100.50') })
    open.push(stream)
    expect(stream.status).toBe(200)
    const streamOpenedAt = Date.now()
    const head = postHead(app.url, '/api/ingest/alerts', 200, { 'Authorization': `Bearer ${PUBLISHER}`, 'Content-Type': 'application/json' })
    const slow = [rawRequest(app.url, head, { localAddress: '127.0.0.4' }), rawRequest(app.url, head, { localAddress: '127.0.0.4' })]
    await Promise.all(slow.map(request => request.connected))
    const drip = setInterval(() => slow.forEach(request => request.write(' ')), 250)
    try {
      const third = await waitFor(async () => {
        const answer = await probe(`${app.url}/api/ingest/alerts`, { method: 'POST', headers: { 'authorization': `Bearer ${PUBLISHER}`, 'content-type': 'application/json' }, body: '{}', localAddress: '127.0.0.4' })
        return answer.status === 429 ? answer : null
      }, { what: 'the third concurrent ingest refused' })
      expect(JSON.parse(third.body).message).toMatch(/NUXT_INGEST_MAX_CONCURRENT_PER_IP/)
      const answers = await Promise.all(slow.map(request => within(request.answer, 15_000)))
      for (const answer of answers) {
        expect(answer).not.toBe('still waiting')
        expect((answer as RawAnswer).status).toBe(408)
        expectSecurityHeaders((answer as RawAnswer).headers, 'Node\'s 408')
      }
    }
    finally {
      clearInterval(drip)
    }
    // The stream's request was complete long ago: the request timeout never applies to it.
    const seen = stream.events.length
    await waitFor(() => Date.now() - streamOpenedAt > 2 * REQUEST_TIMEOUT_MS + 1500 && stream.events.length > seen + 2, { what: 'heartbeats past twice the request timeout' })
    expect(stream.ended).toBe(false)
  })

  it('headers that never finish get 408, headers too large 431, both with the security headers', async () => {
    const stalled = rawRequest(app.url, 'GET /api/sse/stats HTTP/1.1\r\nHost: x\r\nX-Slow: ')
    const stalledAnswer = await within(stalled.answer, 15_000)
    expect(stalledAnswer).not.toBe('still waiting')
    expect((stalledAnswer as RawAnswer).status).toBe(408)
    expectSecurityHeaders((stalledAnswer as RawAnswer).headers, 'Node\'s 408')

    const huge = rawRequest(app.url, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    const hugeAnswer = await huge.answer
    expect(hugeAnswer.status).toBe(431)
    expectSecurityHeaders(hugeAnswer.headers, 'Node\'s 431')
  })

  it('static files under /_nuxt/ carry the security headers', async () => {
    const html = await (await fetch(`${app.url}/login`)).text()
    const asset = /\/_nuxt\/[\w.-]+\.js/.exec(html)?.[0]
    expect(asset).toBeDefined()
    const answer = await probe(`${app.url}${asset}`)
    expect(answer.status).toBe(200)
    expectSecurityHeaders(answer.headers, asset!)
  })

  it('API, metrics and health errors are JSON for clients that send no Accept header, never a redirect to /login', async () => {
    for (const path of ['/api', '/api/', '/api/snapshot', '/metrics', '/api/nowhere']) {
      const answer = await probe(`${app.url}${path}`)
      expect(answer.status, path).toBe(401)
      expect(answer.headers.location, path).toBeUndefined()
      expect(answer.headers['content-type'], path).toMatch(/^application\/json/)
      expect(JSON.parse(answer.body).statusCode, path).toBe(401)
    }
  })
})
