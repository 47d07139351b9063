import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page, Route } from 'playwright-core'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { BrowserSession } from '../helpers/browser'
import { openBrowser, openLifecycleBrowser } from '../helpers/browser'

const STREAM = '**/api/sse/dashboard**'

async function streamsOnServer(app: AppServer, viewerToken?: string): Promise<number> {
  const headers: Record<string, string> = viewerToken ? { authorization: `Bearer ${viewerToken}` } : {}
  const stats = await (await fetch(`${app.url}/api/sse/stats`, { headers })).json() as { connectedClients: number }
  return stats.connectedClients
}

/** Leaves the dashboard inside the app (as the sign-out button does): the page stops its stream. */
async function leaveDashboard(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const app = (document.querySelector('#__nuxt') as unknown as { __vue_app__: { config: { globalProperties: { $router: { push: (path: string) => Promise<unknown> } } } } }).__vue_app__
    await app.config.globalProperties.$router.push('/login')
  })
  await expect.poll(() => new URL(page.url()).pathname).toBe('/login')
}

/** Nothing may reopen a stream: watch the server and the page's requests for a while. */
async function expectNoStreamFor(ms: number, app: AppServer, requestsSince: () => number): Promise<void> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    expect(await streamsOnServer(app)).toBe(0)
    expect(requestsSince()).toBe(0)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}

/**
 * An explicit close wins over every pending step of the stream's lifecycle:
 * a page that left the dashboard while its stream was being checked or
 * resynchronised must not open an orphan stream afterwards.
 */
describe('the dashboard stream stays closed once the page closes it (built server, headless Chromium)', () => {
  let app: AppServer
  let session: BrowserSession

  beforeAll(async () => {
    app = await startApp({ env: { NUXT_INSTANCE_ID: 'solo', NUXT_SSE_HEARTBEAT_MS: '1000' } })
    session = await openBrowser({ width: 1024, height: 700 })
  })

  afterAll(async () => {
    await session?.close()
    await app?.stop()
  })

  it('closed while the access check after a refused stream is out', async () => {
    const page = await session.context.newPage()
    const held = gate()
    let snapshotAsked = false
    let streamRequests = 0
    page.on('request', (request) => {
      if (request.url().includes('/api/sse/dashboard')) streamRequests++
    })
    // The server refuses the stream once (as a full instance would); the check that follows hangs.
    await page.route(STREAM, route => route.fulfill({ status: 503, body: 'busy' }), { times: 1 })
    await page.route('**/api/snapshot', async (route: Route) => {
      snapshotAsked = true
      await held.opened
      await route.continue()
    })
    await page.goto(app.url)
    await expect.poll(() => snapshotAsked, { timeout: 15_000 }).toBe(true)
    await leaveDashboard(page)
    const before = streamRequests
    held.open()
    await expectNoStreamFor(3000, app, () => streamRequests - before)
    await page.close()
  })

  it('closed while a resync waits for the snapshot', async () => {
    const page = await session.context.newPage()
    const held = gate()
    let snapshotAsked = false
    let streamRequests = 0
    page.on('request', (request) => {
      if (request.url().includes('/api/sse/dashboard')) streamRequests++
    })
    // The first stream resumes from an id the server no longer has: it answers `reset`.
    await page.route(STREAM, async (route) => {
      const url = new URL(route.request().url())
      url.searchParams.set('lastEventId', '1-0')
      await route.continue({ url: url.toString() })
    }, { times: 1 })
    await page.route('**/api/snapshot', async (route: Route) => {
      snapshotAsked = true
      await held.opened
      await route.continue()
    })
    await page.goto(app.url)
    await expect.poll(() => snapshotAsked, { timeout: 15_000 }).toBe(true)
    await leaveDashboard(page)
    const before = streamRequests
    held.open()
    await expectNoStreamFor(3000, app, () => streamRequests - before)
    await page.close()
  })
})

const VIEWER = 'viewer-token-tabs-7Hq2mZ'
const AUTH_ENV = { NUXT_VIEWER_TOKEN: VIEWER, NUXT_SESSION_PASSWORD: 'session-password-tabs-0123456789abcdefgh', NUXT_SSE_HEARTBEAT_MS: '1000' }

describe('signing out in one tab ends the shared stream in every tab (built server, headless Chromium)', () => {
  let app: AppServer
  let session: BrowserSession

  beforeAll(async () => {
    app = await startApp({ env: AUTH_ENV })
    session = await openLifecycleBrowser()
  })

  afterAll(async () => {
    await session?.close()
    await app?.stop()
  })

  it('three tabs on one cookie session; sign out in one: all go to /login, no stream left', async () => {
    const first = session.page
    await first.goto(app.url)
    await expect.poll(() => new URL(first.url()).pathname, { timeout: 15_000 }).toBe('/login')
    await first.locator('#viewer-token').fill(VIEWER)
    await first.getByRole('button', { name: 'Sign in' }).click()
    const pages = [first]
    for (let i = 0; i < 2; i++) {
      const page = await session.context.newPage()
      await page.goto(app.url)
      pages.push(page)
    }
    for (const page of pages) {
      await expect.poll(() => new URL(page.url()).pathname).toBe('/')
      await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe('Connected')
    }
    await expect.poll(() => streamsOnServer(app, VIEWER), { timeout: 5000 }).toBe(1)

    // The first tab holds the stream: sign out in the last one.
    await pages[2]!.getByRole('button', { name: 'Sign out' }).click()
    await expect.poll(() => streamsOnServer(app, VIEWER), { timeout: 5000 }).toBe(0)
    await expect.poll(() => Promise.all(pages.map(page => new URL(page.url()).pathname)), { timeout: 15_000 }).toEqual(['/login', '/login', '/login'])
  })
})
