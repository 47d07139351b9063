import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import { waitFor } from '../helpers/wait'

const VIEWER = 'viewer-token-browser-Rk2Vz6'
const PASSWORD = 'session-password-browser-0123456789abcdef'

interface Violation { directive: string, blocked: string }

/**
 * A real Chromium, recording every CSP violation two ways: the page's own
 * `securitypolicyviolation` events (installed before any page script) and
 * the console errors Chromium prints for them.
 */
async function newWatchedPage(browser: Browser): Promise<{ context: BrowserContext, page: Page, violations: () => Promise<Violation[]>, consoleErrors: string[] }> {
  const context = await browser.newContext()
  await context.addInitScript(() => {
    const seen: Violation[] = []
    ;(window as unknown as { __violations: Violation[] }).__violations = seen
    document.addEventListener('securitypolicyviolation', (e) => {
      seen.push({ directive: e.effectiveDirective, blocked: e.blockedURI })
    })
  })
  const page = await context.newPage()
  const consoleErrors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
  page.on('pageerror', error => consoleErrors.push(error.message))
  const violations = () => page.evaluate(() => (window as unknown as { __violations: Violation[] }).__violations ?? [])
  return { context, page, violations, consoleErrors }
}

/** Streams this instance holds open right now (counted by the server, whatever the page looks like). */
async function openStreams(app: AppServer, headers: Record<string, string> = {}): Promise<number> {
  const stats = await (await fetch(`${app.url}/api/sse/stats`, { headers })).json() as { connectedClients: number }
  return stats.connectedClients
}

describe('pages in a real browser', () => {
  let browser: Browser
  let open: AppServer
  let guarded: AppServer

  beforeAll(async () => {
    ;[browser, open, guarded] = await Promise.all([
      chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-background-networking'] }),
      startApp(),
      startApp({ env: { NUXT_VIEWER_TOKEN: VIEWER, NUXT_SESSION_PASSWORD: PASSWORD } }),
    ])
  })
  afterAll(async () => {
    await browser?.close()
    await Promise.all([open?.stop(), guarded?.stop()])
  })

  it('auth off: the dashboard loads under its CSP with no violation and opens its stream; injected inline script is blocked', async () => {
    const { context, page, violations, consoleErrors } = await newWatchedPage(browser)
    const response = await page.goto(`${open.url}/`)
    const policy = response!.headers()['content-security-policy']!
    expect(policy).toMatch(/script-src 'self' 'sha256-/)
    expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/)
    expect(response!.headers()['x-content-type-options']).toBe('nosniff')
    expect(response!.headers()['x-frame-options']).toBe('DENY')
    await waitFor(async () => (await openStreams(open)) >= 1, { what: 'the page to open its stream' })
    expect(await violations()).toEqual([])
    expect(consoleErrors.filter(text => /Content Security Policy/i.test(text))).toEqual([])

    // The detector works, and the policy is enforced: an injected inline script does not run.
    await page.evaluate(() => {
      const script = document.createElement('script')
      script.textContent = 'window.__injected = true'
      document.body.appendChild(script)
    })
    await waitFor(async () => (await violations()).length > 0, { what: 'the violation report' })
    expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined()
    expect((await violations())[0]!.directive).toBe('script-src-elem')
    await context.close()
  })

  it('auth on: redirected to sign in, wrong then right token, the dashboard streams over the httpOnly cookie, sign out locks it again', async () => {
    const { context, page, violations, consoleErrors } = await newWatchedPage(browser)
    const bearer = { authorization: `Bearer ${VIEWER}` }
    await page.goto(`${guarded.url}/`)
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(new URL(page.url()).searchParams.get('redirect')).toBe('/')

    await page.fill('#viewer-token', 'not-the-token-at-all')
    await page.click('button[type=submit]')
    await page.getByRole('alert').filter({ hasText: 'That token is not right.' }).waitFor()

    await page.fill('#viewer-token', VIEWER)
    await page.click('button[type=submit]')
    await page.waitForURL(url => url.pathname === '/')
    await waitFor(async () => (await openStreams(guarded, bearer)) >= 1, { what: 'the dashboard to open its stream with the cookie' })

    const cookie = (await context.cookies()).find(c => c.name === 'pulseboard_session')!
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false })
    expect(await page.evaluate(() => document.cookie)).not.toContain('pulseboard_session')

    await page.goto(`${guarded.url}/login`)
    await page.getByText('You are signed in.').waitFor()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.locator('#viewer-token').waitFor()
    expect((await context.cookies()).some(c => c.name === 'pulseboard_session')).toBe(false)
    await page.goto(`${guarded.url}/`)
    expect(new URL(page.url()).pathname).toBe('/login')

    expect(await violations()).toEqual([])
    expect(consoleErrors.filter(text => /Content Security Policy/i.test(text))).toEqual([])
    await context.close()
  })
})
