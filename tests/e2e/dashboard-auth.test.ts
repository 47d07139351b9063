import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { BrowserSession } from '../helpers/browser'
import { openBrowser } from '../helpers/browser'

const VIEWER = 'viewer-token-dashboard-9fQw2L'
const ENV = { NUXT_VIEWER_TOKEN: VIEWER, NUXT_SESSION_PASSWORD: 'session-password-dashboard-0123456789abcdef', NUXT_SSE_HEARTBEAT_MS: '1000' }

/**
 * With viewer authentication on: the dashboard streams over the session
 * cookie (EventSource withCredentials), and when the session is gone and the
 * stream is refused, the page goes to the sign-in page by itself.
 */
describe('the dashboard behind viewer authentication (built server, headless Chromium)', () => {
  let app: AppServer
  let session: BrowserSession

  beforeAll(async () => {
    app = await startApp({ env: ENV })
    session = await openBrowser({ width: 1280, height: 900 })
  })

  afterAll(async () => {
    await session?.close()
    await app?.stop()
  })

  it('signs in, streams with the session cookie, and returns to /login once the session is gone', async () => {
    const { page, context } = session
    await page.goto(app.url)
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login')
    await page.locator('#viewer-token').fill(VIEWER)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => new URL(page.url()).pathname).toBe('/')
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe('Connected')
    await expect.poll(() => page.getByTestId('card-cpu').getByTestId('cluster-value').textContent()).toMatch(/\d/)

    // The session disappears (cookie gone); the next time the stream is
    // opened the server refuses it, and the page must send the viewer to sign in.
    await context.clearCookies()
    await app.stop('SIGKILL')
    app = await startApp({ port: app.port, env: ENV })
    await expect.poll(() => new URL(page.url()).pathname, { timeout: 30_000 }).toBe('/login')

    const outage = /ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_CONNECTION_RESET|status of 401/
    expect(session.problems.filter(problem => !outage.test(problem))).toEqual([])
  })
})
