import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import { cookieFrom } from '../helpers/http-probe'

const VIEWER = 'viewer-token-shared-pages-Hq4Vn8'
const PASSWORD = 'session-password-shared-pages-0123456789'

interface Stats { pages: { computed: number, shared: number } }
const stats = async (app: AppServer) => await (await fetch(`${app.url}/api/sse/stats`, { headers: { authorization: `Bearer ${VIEWER}` } })).json() as Stats

/** The hashes the page's CSP must list for its executable inline scripts (what the browser checks). */
function inlineScriptHashes(html: string): string[] {
  return [...html.matchAll(/<script(?![^>]*\b(?:src=|type="application\/json"))[^>]*>([\s\S]*?)<\/script>/g)]
    .map(match => `'sha256-${createHash('sha256').update(match[1]!).digest('base64')}'`)
}

describe('the dashboard page shared by everybody opening it at once (built server, auth on)', () => {
  let app: AppServer
  let cookie: string
  beforeAll(async () => {
    app = await startApp({ env: { NUXT_VIEWER_TOKEN: VIEWER, NUXT_SESSION_PASSWORD: PASSWORD } })
    const login = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: VIEWER }) })
    cookie = cookieFrom(login.headers, 'pulseboard_session')
  })
  afterAll(async () => {
    await app?.stop()
  })

  it('renders once for viewers arriving together, and each gets the same page with its own policy', async () => {
    const before = await stats(app)
    const pages = await Promise.all(Array.from({ length: 20 }, () => fetch(`${app.url}/?window=15m`, { headers: { cookie } })))
    const bodies = await Promise.all(pages.map(page => page.text()))
    const after = await stats(app)
    expect(pages.map(page => page.status)).toEqual(Array.from({ length: 20 }, () => 200))
    expect(new Set(bodies).size).toBe(1)
    const rendered = after.pages.computed - before.pages.computed
    expect(rendered + after.pages.shared - before.pages.shared).toBe(20)
    // One render, or a second if the first had expired before the last request arrived.
    expect(rendered).toBeLessThanOrEqual(2)
    for (const page of pages) {
      const policy = page.headers.get('content-security-policy') ?? ''
      for (const hash of inlineScriptHashes(bodies[0]!)) expect(policy).toContain(hash)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    }
  })

  it('never hands a signed-in page to a request that is not signed in', async () => {
    // A signed-in page is fresh in the shared store now.
    const signedIn = fetch(`${app.url}/`, { headers: { cookie } })
    const anonymous = await fetch(`${app.url}/`, { redirect: 'manual' })
    expect((await signedIn).status).toBe(200)
    expect(anonymous.status).toBe(302)
    expect(anonymous.headers.get('location')).toBe('/login?redirect=/')
    const forged = await fetch(`${app.url}/`, { headers: { cookie: 'pulseboard_session=forged' }, redirect: 'manual' })
    expect(forged.status).toBe(302)
  })

  it('keeps the theme of the cookie: a light page is not served to a dark viewer', async () => {
    const [light, dark] = await Promise.all([
      fetch(`${app.url}/`, { headers: { cookie: `${cookie}; pulseboard-theme=light` } }).then(r => r.text()),
      fetch(`${app.url}/`, { headers: { cookie: `${cookie}; pulseboard-theme=dark` } }).then(r => r.text()),
    ])
    expect(light).toContain('data-theme="light"')
    expect(dark).toContain('data-theme="dark"')
  })

  it('serves a shared page compressed as each request asks', async () => {
    const asked = ['br', 'gzip', 'identity']
    const pages = await Promise.all(asked.map(coding => fetch(`${app.url}/?kiosk`, { headers: { cookie, 'accept-encoding': coding } })))
    const texts = await Promise.all(pages.map(page => page.text()))
    expect(new Set(texts).size).toBe(1)
    expect(pages.map(page => page.headers.get('content-encoding'))).toEqual(['br', 'gzip', null])
  })
})
