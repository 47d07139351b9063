import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import { probe } from '../helpers/http-probe'
import { postHead, rawRequest } from '../helpers/raw-http'
import { SseStream } from '../helpers/sse-client'

const VIEWER = 'viewer-token-budgets-Vb7Qm3'
const PASSWORD = 'session-password-budgets-0123456789abcdef'
const PUBLISHER = 'publisher-token-budgets-Hk2Wd5'
const METRICS = 'metrics-token-budgets-Pq9Zr4'
const BUDGET = 20

/** Failures a budget of `BUDGET` per minute may refill during `ms`. */
const refilledDuring = (ms: number) => Math.ceil((ms / 60_000) * BUDGET)

function countStatuses(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1
  return counts
}

/** Several full round trips: the server has read whatever arrived on other sockets before them. */
async function serverCaughtUp(app: AppServer): Promise<void> {
  for (let i = 0; i < 3; i++) await (await fetch(`${app.url}/health/live`)).text()
}

describe('failure budgets at the built server', () => {
  let app: AppServer
  beforeAll(async () => {
    app = await startApp({
      env: {
        NUXT_VIEWER_TOKEN: VIEWER,
        NUXT_SESSION_PASSWORD: PASSWORD,
        NUXT_PUBLISH_TOKEN: PUBLISHER,
        NUXT_METRICS_TOKEN: METRICS,
        NUXT_AUTH_FAILURES_PER_MINUTE: String(BUDGET),
        NUXT_TRUSTED_PROXIES: '127.0.0.1',
      },
    })
  })
  afterAll(async () => {
    await app?.stop()
  })

  it('300 parallel wrong sign-ins whose bodies arrive after their heads: at most the budget get 401, the rest 429', async () => {
    const body = JSON.stringify({ token: 'wrong-token-wrong-token' })
    const started = Date.now()
    const requests = Array.from({ length: 300 }, () => rawRequest(app.url, postHead(app.url, '/api/auth/login', Buffer.byteLength(body), { 'Content-Type': 'application/json' }), { localAddress: '127.0.0.3' }))
    await Promise.all(requests.map(r => r.connected))
    // Every handler is now waiting for its body (the attack's shape).
    await serverCaughtUp(app)
    for (const r of requests) r.write(body)
    const answers = await Promise.all(requests.map(r => r.answer))
    const counts = countStatuses(answers.map(a => a.status))
    expect(Object.keys(counts).map(Number).sort()).toEqual([401, 429])
    expect(counts[401]).toBeLessThanOrEqual(BUDGET + refilledDuring(Date.now() - started))
    expect(counts[429]).toBeGreaterThanOrEqual(300 - BUDGET - refilledDuring(Date.now() - started))
    expect(Number(answers.find(a => a.status === 429)!.headers['retry-after'])).toBeGreaterThanOrEqual(1)
  })

  it('4,500 wrong /metrics tokens reach 429; the right token from another address still scrapes', async () => {
    const started = Date.now()
    const statuses: number[] = []
    for (let sent = 0; sent < 4500; sent += 150) {
      const batch = await Promise.all(Array.from({ length: 150 }, (_, i) => fetch(`${app.url}/metrics`, {
        headers: { 'authorization': `Bearer wrong-metrics-token-${sent + i}`, 'x-forwarded-for': '198.51.100.77' },
      }).then(async (response) => {
        await response.arrayBuffer()
        return response.status
      })))
      statuses.push(...batch)
      if (batch.includes(429)) break
    }
    const counts = countStatuses(statuses)
    expect(counts[429]).toBeGreaterThan(0)
    expect(counts[401]).toBeLessThanOrEqual(BUDGET + refilledDuring(Date.now() - started))
    const blocked = await probe(`${app.url}/metrics`, { headers: { 'authorization': `Bearer ${METRICS}`, 'x-forwarded-for': '198.51.100.77' } })
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    const other = await probe(`${app.url}/metrics`, { headers: { 'authorization': `Bearer ${METRICS}`, 'x-forwarded-for': '198.51.100.78' } })
    expect(other.status).toBe(200)
    expect(other.body).toContain('pulseboard_')
  })

  it('wrong publisher tokens reach 429 before the body is read; other addresses still publish', async () => {
    const post = (client: string, token: string) => probe(`${app.url}/api/ingest/alerts`, {
      method: 'POST',
      headers: { 'authorization': `Bearer ${token}`, 'content-type': 'application/json', 'x-forwarded-for': client },
      body: JSON.stringify({ level: 'info', message: 'budget test' }),
    })
    const statuses: number[] = []
    for (let i = 0; i < BUDGET + 5; i++) statuses.push((await post('203.0.113.40', `wrong-publisher-token-${i}`)).status)
    expect(statuses.slice(0, BUDGET).every(status => status === 401)).toBe(true)
    expect(statuses.at(-1)).toBe(429)
    expect((await post('203.0.113.40', PUBLISHER)).status).toBe(429)
    expect((await post('203.0.113.41', PUBLISHER)).status).toBe(200)
  })

  it('twenty reconnects with spent tickets neither lock the address out of sign-in nor of the stream', async () => {
    const client = { 'x-forwarded-for': '192.0.2.60' }
    const spent: string[] = []
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${app.url}/api/sse/ticket`, { method: 'POST', headers: { authorization: `Bearer ${VIEWER}`, ...client } })
      const { ticket } = await response.json() as { ticket: string }
      const stream = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts&ticket=${ticket}`, { headers: client })
      expect(stream.status).toBe(200)
      stream.close()
      spent.push(ticket)
    }
    // What twenty native EventSources do after a deploy: reconnect with the URL they were given.
    for (const ticket of spent) {
      const reuse = await probe(`${app.url}/api/sse/dashboard?channels=alerts&ticket=${ticket}`, { headers: client })
      expect(reuse.status).toBe(401)
      expect(JSON.parse(reuse.body).message).toMatch(/already used/)
    }
    const login = await probe(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...client }, body: JSON.stringify({ token: VIEWER }) })
    expect(login.status).toBe(200)
    // The viewer budget was not charged either: a guess is still answered 401, not 429.
    expect((await probe(`${app.url}/api/sse/dashboard?ticket=${'A'.repeat(32)}`, { headers: client })).status).toBe(401)
  })

  it('sign-in has its own budget: spent on forged tickets and wrong bearer tokens, login still works', async () => {
    const client = { 'x-forwarded-for': '192.0.2.61' }
    const statuses: number[] = []
    for (let i = 0; i < BUDGET + 2; i++) {
      statuses.push((await probe(`${app.url}/api/sse/dashboard?ticket=${'B'.repeat(31)}${i % 10}`, { headers: client })).status)
    }
    expect(statuses.at(-1)).toBe(429)
    expect((await probe(`${app.url}/api/sse/dashboard`, { headers: { authorization: 'Bearer wrong-viewer-guess', ...client } })).status).toBe(429)
    const login = await probe(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...client }, body: JSON.stringify({ token: VIEWER }) })
    expect(login.status).toBe(200)
  })
})
