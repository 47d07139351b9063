import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import { ingest, SseStream } from '../helpers/sse-client'
import { cookieFrom, probe } from '../helpers/http-probe'
import { waitFor } from '../helpers/wait'

const VIEWER = 'viewer-token-e2e-Qx7Lm2'
const PUBLISHER = 'publisher-token-e2e-Zr4Kd9'
const PASSWORD = 'session-password-e2e-0123456789abcdef'
const COOKIE = 'pulseboard_session'
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('viewer authentication (auth on, memory tickets, query token allowed)', () => {
  let app: AppServer
  beforeAll(async () => {
    app = await startApp({
      env: {
        NUXT_VIEWER_TOKEN: VIEWER,
        NUXT_SESSION_PASSWORD: PASSWORD,
        NUXT_PUBLISH_TOKEN: PUBLISHER,
        NUXT_SSE_ALLOW_QUERY_TOKEN: 'true',
        NUXT_TRUSTED_PROXIES: '127.0.0.1',
        NUXT_AUTH_FAILURES_PER_MINUTE: '1000',
      },
    })
  })
  afterAll(async () => {
    await app?.stop()
  })

  async function signIn(): Promise<string> {
    const response = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: VIEWER }) })
    expect(response.status).toBe(200)
    return cookieFrom(response.headers, COOKIE)
  }

  it('answers 401 before any stream byte on every viewer endpoint, and keeps health and sign-in public', async () => {
    for (const [method, path] of [['GET', '/api/sse/dashboard'], ['GET', '/api/sse/dashboard/'], ['GET', '/api/sse/stats'], ['GET', '/api/snapshot'], ['GET', '/api/history?channel=logs'], ['POST', '/api/sse/ticket'], ['GET', '/api/added-later']] as const) {
      // A POST sends JSON, as it must (server/middleware/02.csrf.ts).
      const result = await probe(`${app.url}${path}`, { method, headers: method === 'POST' ? { 'content-type': 'application/json' } : {} })
      expect(result.status, `${method} ${path}`).toBe(401)
      expect(result.headers['content-type']).toMatch(/^application\/json/)
      expect(result.headers['www-authenticate']).toMatch(/^Bearer/)
      expect(result.body).not.toMatch(/retry:|: connected|^data:/m)
    }
    const stats = await (await fetch(`${app.url}/api/sse/stats`, { headers: bearer(VIEWER) })).json() as { connectedClients: number }
    expect(stats.connectedClients).toBe(0)
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200)
    expect((await fetch(`${app.url}/health/sse`)).status).toBe(200)
    expect(await (await fetch(`${app.url}/api/auth/session`)).json()).toEqual({ enabled: true, signedIn: false })
  })

  it('cookie session: wrong token refused, right token gives an httpOnly SameSite cookie that opens the stream, logout clears it', async () => {
    const wrong = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'nope-nope-nope-nope' }) })
    expect(wrong.status).toBe(401)
    expect(wrong.headers.getSetCookie()).toEqual([])
    expect((await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'not json' })).status).toBe(400)

    const login = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: VIEWER }) })
    const setCookie = login.headers.getSetCookie()[0]!
    expect(setCookie).toMatch(/HttpOnly/)
    expect(setCookie).toMatch(/SameSite=Lax/)
    expect(setCookie).not.toMatch(/Secure/) // plain HTTP from a direct client
    const cookie = cookieFrom(login.headers, COOKIE)
    expect(await (await fetch(`${app.url}/api/auth/session`, { headers: { cookie } })).json()).toEqual({ enabled: true, signedIn: true })

    const stream = await SseStream.open(`${app.url}/api/sse/dashboard?channels=metrics`, { headers: { cookie } })
    expect(stream.status).toBe(200)
    await stream.waitFor(events => events.some(e => e.event === 'metric-update'), 'a metric over the cookie session')
    stream.close()

    const logout = await fetch(`${app.url}/api/auth/logout`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' })
    expect(logout.headers.getSetCookie()[0]).toMatch(new RegExp(`^${COOKIE}=;.*Max-Age=0`))
  })

  it('marks the cookie Secure when a trusted proxy says the request came over HTTPS, not when anyone else says so', async () => {
    const body = JSON.stringify({ token: VIEWER })
    const headers = { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }
    const viaProxy = await probe(`${app.url}/api/auth/login`, { method: 'POST', headers, body })
    expect(String(viaProxy.headers['set-cookie'])).toMatch(/; Secure/)
    const spoofed = await probe(`${app.url}/api/auth/login`, { method: 'POST', headers, body, localAddress: '127.0.0.2' })
    expect(spoofed.status).toBe(200)
    expect(String(spoofed.headers['set-cookie'])).not.toMatch(/Secure/)
  })

  it('refuses sign-in posted by another site', async () => {
    const result = await probe(`${app.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site', 'origin': 'https://evil.example' },
      body: JSON.stringify({ token: VIEWER }),
    })
    expect(result.status).toBe(403)
    expect(result.headers['set-cookie']).toBeUndefined()
  })

  it('pages redirect to /login when signed out and render when signed in', async () => {
    const anonymous = await fetch(`${app.url}/`, { redirect: 'manual' })
    expect(anonymous.status).toBe(302)
    expect(anonymous.headers.get('location')).toBe('/login?redirect=/')
    const login = await fetch(`${app.url}/login`)
    expect(login.status).toBe(200)
    expect(await login.text()).toContain('Viewer token')
    const cookie = await signIn()
    const page = await fetch(`${app.url}/`, { headers: { cookie }, redirect: 'manual' })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Pulseboard')
  })

  it('tickets: issued to a session or a bearer, accepted once by the stream, refused on reuse, junk and elsewhere', async () => {
    expect((await fetch(`${app.url}/api/sse/ticket`, { method: 'POST', headers: bearer('wrong-token-xxxxxxxx') })).status).toBe(401)
    const cookie = await signIn()
    const viaSession = await fetch(`${app.url}/api/sse/ticket`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' } })
    expect(viaSession.status).toBe(200)
    expect(viaSession.headers.get('cache-control')).toBe('no-store')
    const { ticket, expiresInMs } = await viaSession.json() as { ticket: string, expiresInMs: number }
    expect(expiresInMs).toBe(30_000)

    const stream = await SseStream.open(`${app.url}/api/sse/dashboard?channels=metrics&ticket=${ticket}`)
    expect(stream.status).toBe(200)
    await stream.waitFor(events => events.some(e => e.event === 'metric-update'), 'a metric over the ticket')
    stream.close()
    const reuse = await probe(`${app.url}/api/sse/dashboard?ticket=${ticket}`)
    expect(reuse.status).toBe(401)
    expect(JSON.parse(reuse.body).message).toMatch(/already used/)

    const { ticket: second } = await (await fetch(`${app.url}/api/sse/ticket`, { method: 'POST', headers: bearer(VIEWER) })).json() as { ticket: string }
    // A ticket opens the stream only; elsewhere it is not a credential (and is not spent).
    expect((await probe(`${app.url}/api/sse/stats?ticket=${second}`)).status).toBe(401)
    expect((await probe(`${app.url}/api/sse/dashboard?ticket=${second}`)).status).toBe(200)
    for (const junk of ['', 'x', 'A'.repeat(32), `${second}&ticket=${second}`]) {
      expect((await probe(`${app.url}/api/sse/dashboard?ticket=${junk}`)).status, junk).toBeGreaterThanOrEqual(400)
    }
  })

  it('bearer: the viewer token opens the stream; it cannot publish, and the publisher token cannot watch', async () => {
    expect((await probe(`${app.url}/api/sse/dashboard`, { headers: bearer(VIEWER) })).status).toBe(200)
    expect((await probe(`${app.url}/api/sse/dashboard`, { headers: bearer(PUBLISHER) })).status).toBe(401)
    expect((await probe(`${app.url}/api/sse/dashboard`, { headers: { authorization: `Basic ${VIEWER}` } })).status).toBe(401)
    expect((await ingest(app.url, 'alerts', { level: 'info', message: 'from a viewer' }, VIEWER)).status).toBe(401)
    expect((await ingest(app.url, 'alerts', { level: 'info', message: 'from the publisher' }, PUBLISHER)).status).toBe(200)
  })

  it('query token: accepted when enabled, and never printed, counted or echoed', async () => {
    const wrongToken = 'WRONG-query-token-SENTINEL-5521'
    const logs = await SseStream.open(`${app.url}/api/sse/dashboard?channels=logs`, { headers: bearer(VIEWER) })
    const ok = await probe(`${app.url}/api/sse/dashboard?channels=metrics&token=${VIEWER}`)
    expect(ok.status).toBe(200)
    const bodies: string[] = []
    for (const url of [
      `/api/sse/dashboard?token=${wrongToken}`,
      `/api/sse/dashboard?channels=nope&token=${VIEWER}`, // authenticated, then a 400
      `/api/sse/dashboard?lastEventId=zzz&%74oken=${VIEWER}`,
      `/api/sse/stats?token=${VIEWER}`,
      `/api/sse/ticket?token=${wrongToken}`,
      `/api/nowhere?token=${VIEWER}&ticket=${wrongToken}`,
    ]) {
      const result = await probe(`${app.url}${url}`, { headers: { accept: 'application/json' } })
      expect(result.status, url).toBeGreaterThanOrEqual(400)
      bodies.push(result.body)
    }
    // A browser navigation gets the HTML error page: it must not carry the token either.
    bodies.push((await probe(`${app.url}/api/sse/dashboard?token=${wrongToken}`, { headers: { accept: 'text/html' } })).body)
    bodies.push(await (await fetch(`${app.url}/api/sse/stats`, { headers: bearer(VIEWER) })).text())
    // The warnings the 4xx produced are printed (client errors stay off the logs
    // channel). A last, distinct warning marks the end: once it is printed,
    // everything before it was; a raw PUBLISH drop marks the end of the logs feed.
    await probe(`${app.url}/api/auth/logout`, { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } })
    await waitFor(() => app.output().includes('cross-site sign-out refused'), { what: 'the marker warning on stdout' })
    expect(app.output().match(/\b40\d GET \/api\//g)?.length ?? 0).toBeGreaterThan(3)
    logs.close()
    for (const text of [...bodies, app.output(), ...logs.events.map(e => e.data)]) {
      expect(text).not.toContain(VIEWER)
      expect(text).not.toContain(wrongToken)
    }
  })
})

describe('query token when not enabled (the default)', () => {
  let app: AppServer
  beforeAll(async () => {
    app = await startApp({ env: { NUXT_VIEWER_TOKEN: VIEWER, NUXT_SESSION_PASSWORD: PASSWORD } })
  })
  afterAll(async () => {
    await app?.stop()
  })

  it('refuses ?token= with a message that says how to enable it, without echoing or logging the token', async () => {
    const result = await probe(`${app.url}/api/sse/dashboard?token=${VIEWER}`)
    expect(result.status).toBe(401)
    expect(JSON.parse(result.body).message).toMatch(/NUXT_SSE_ALLOW_QUERY_TOKEN/)
    expect(result.body).not.toContain(VIEWER)
    expect(app.output()).not.toContain(VIEWER)
  })
})
