import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'

const VIEWER = 'viewer-token-csrf-Dq8Hz3'
const PASSWORD = 'session-password-csrf-0123456789abcdef'
const COOKIE = 'pulseboard_session'

/**
 * Pages of other origins, served for real. Each page attacks the dashboard
 * at `target` as soon as it loads; `target` is where the victim's browser
 * knows the dashboard.
 */
function attackPages(): { server: Server, listen: () => Promise<number> } {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://attacker')
    const target = url.searchParams.get('target') ?? ''
    const scripts: Record<string, string> = {
      '/fetch-logout': `fetch(${JSON.stringify(`${target}/api/auth/logout`)}, { method: 'POST', mode: 'no-cors', credentials: 'include' })`,
      '/fetch-ticket': `fetch(${JSON.stringify(`${target}/api/sse/ticket`)}, { method: 'POST', mode: 'no-cors', credentials: 'include' })`,
      '/form-logout': `document.forms[0].submit()`,
      '/form-login': `document.forms[1].submit()`,
    }
    const script = scripts[url.pathname]
    if (!script) {
      res.writeHead(404).end()
      return
    }
    // A text/plain form whose body is valid JSON: `{"token":"<token>","x":"="}`.
    const html = `<!doctype html><body>
<form method="POST" action="${target}/api/auth/logout"></form>
<form method="POST" action="${target}/api/auth/login" enctype="text/plain"><input name='{"token":"${VIEWER}","x":"' value='"}'></form>
<script>${script}</script></body>`
    res.writeHead(200, { 'content-type': 'text/html' }).end(html)
  })
  return {
    server,
    listen: () => new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port))),
  }
}

describe('CSRF in Chromium: pages of other origins cannot sign out, sign in or get a ticket', () => {
  let browser: Browser
  let app: AppServer
  let attacker: Server
  let attackerPort: number

  beforeAll(async () => {
    const pages = attackPages()
    attacker = pages.server
    ;[browser, app, attackerPort] = await Promise.all([
      // `.test` names resolve to 127.0.0.1: plain-HTTP host names that are not
      // localhost, to which Chromium sends no Sec-Fetch-* headers.
      chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-background-networking', '--host-resolver-rules=MAP *.test 127.0.0.1'] }),
      startApp({ env: { NUXT_VIEWER_TOKEN: VIEWER, NUXT_SESSION_PASSWORD: PASSWORD } }),
      pages.listen(),
    ])
  })
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
    attacker?.close()
  })

  const cases = () => [
    { name: 'another host name over plain HTTP (no Sec-Fetch-Site)', target: `http://pulse.test:${app.port}`, origin: `http://evil.test:${attackerPort}`, sameSite: false },
    { name: 'the same host name on another port over plain HTTP (no Sec-Fetch-Site)', target: `http://pulse.test:${app.port}`, origin: `http://pulse.test:${attackerPort}`, sameSite: true },
    { name: 'the same loopback address on another port (Sec-Fetch-Site: same-site)', target: `http://127.0.0.1:${app.port}`, origin: `http://127.0.0.1:${attackerPort}`, sameSite: true },
  ]

  async function signedIn(context: BrowserContext, target: string): Promise<boolean> {
    return (await context.cookies(target)).some(cookie => cookie.name === COOKIE && cookie.value !== '')
  }

  /** Signs in the way the dashboard does: a JSON request from its own page. */
  async function signIn(page: Page, target: string): Promise<void> {
    // Any page of the dashboard's origin will do; this one needs no rendering.
    await page.goto(`${target}/api/auth/session`)
    const status = await page.evaluate(async token => (await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) })).status, VIEWER)
    expect(status).toBe(200)
  }

  /** Opens the attack page and returns the status the dashboard answered to its request. */
  async function attack(page: Page, origin: string, kind: string, target: string, path: string): Promise<number> {
    const answered = page.waitForResponse(response => response.url() === `${target}${path}`)
    await page.goto(`${origin}/${kind}?target=${encodeURIComponent(target)}`)
    return (await answered).status()
  }

  it('cannot sign the viewer out (form or fetch)', async () => {
    for (const c of cases()) {
      const context = await browser.newContext()
      const page = await context.newPage()
      await signIn(page, c.target)
      expect(await signedIn(context, c.target), c.name).toBe(true)
      expect(await attack(page, c.origin, 'form-logout', c.target, '/api/auth/logout'), c.name).toBe(403)
      if (c.sameSite) expect(await attack(page, c.origin, 'fetch-logout', c.target, '/api/auth/logout'), c.name).toBe(403)
      expect(await signedIn(context, c.target), c.name).toBe(true)
      await context.close()
    }
  })

  it('cannot sign the viewer in with a text/plain form', async () => {
    for (const c of cases()) {
      const context = await browser.newContext()
      const page = await context.newPage()
      const status = await attack(page, c.origin, 'form-login', c.target, '/api/auth/login')
      expect([403, 415], c.name).toContain(status)
      expect(await signedIn(context, c.target), c.name).toBe(false)
      await context.close()
    }
  })

  it('cannot get a ticket with the viewer\'s cookie from a sibling origin', async () => {
    for (const c of cases().filter(c => c.sameSite)) {
      const context = await browser.newContext()
      const page = await context.newPage()
      await signIn(page, c.target)
      expect(await attack(page, c.origin, 'fetch-ticket', c.target, '/api/sse/ticket'), c.name).toBe(403)
      await context.close()
    }
  })

  it('the dashboard itself still signs in and out', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const target = `http://pulse.test:${app.port}`
    await signIn(page, target)
    expect(await signedIn(context, target)).toBe(true)
    const status = await page.evaluate(async () => (await fetch('/api/auth/logout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status)
    expect(status).toBe(200)
    expect(await signedIn(context, target)).toBe(false)
    await context.close()
  })
})
