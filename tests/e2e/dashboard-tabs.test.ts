import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { BrowserSession } from '../helpers/browser'
import { openBrowser, openLifecycleBrowser } from '../helpers/browser'
import { dashboardState } from '../helpers/dashboard-state'
import { ingest } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const TOKEN = 'tabs-test-publish-token'
const STREAM = '/api/sse/dashboard'

/**
 * Tabs of one browser over HTTP/1.1 (six connections per origin for all
 * tabs): they share one stream, held by one tab and relayed to the others,
 * and hand it over when the holder goes (README, The dashboard).
 */
describe('dashboard tabs share one stream (built server, HTTP/1.1, headless Chromium)', () => {
  let app: AppServer
  let session: BrowserSession
  const pages: Page[] = []
  /** Streams each page has open right now, from its own network events. */
  const openStreams = new Map<Page, number>()
  let sent = 0
  /** Every alert this file ingested: message → id. */
  const ingested = new Map<string, string>()

  async function sendAlert(message = `alert ${++sent}`): Promise<string> {
    const { status, json } = await ingest(app.url, 'alerts', { level: 'info', message, source: 'tabs' }, TOKEN)
    expect(status).toBe(200)
    ingested.set(message, (json.ids as string[])[0]!)
    return message
  }

  async function streamsOnServer(): Promise<number> {
    const stats = await (await fetch(`${app.url}/api/sse/stats`)).json() as { connectedClients: number }
    return stats.connectedClients
  }

  const live = () => pages.filter(page => !page.isClosed())
  const holders = () => live().filter(page => (openStreams.get(page) ?? 0) > 0)

  async function openTab(): Promise<Page> {
    const page = await session.context.newPage()
    openStreams.set(page, 0)
    const done = (request: { url: () => string }) => {
      if (request.url().includes(STREAM)) openStreams.set(page, (openStreams.get(page) ?? 1) - 1)
    }
    page.on('request', (request) => {
      if (request.url().includes(STREAM)) openStreams.set(page, (openStreams.get(page) ?? 0) + 1)
    })
    page.on('requestfinished', done)
    page.on('requestfailed', done)
    page.on('pageerror', error => session.problems.push(`page error: ${error.message}`))
    await page.goto(app.url)
    // Hydration alone can take seconds on a shared two-core machine.
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 30_000 }).toBe('Connected')
    pages.push(page)
    return page
  }

  /** Resolves once every page in `tabs` holds the alert; fails after `withinMs`. */
  async function shownEverywhere(message: string, tabs: Page[], withinMs: number): Promise<number> {
    const started = Date.now()
    await Promise.all(tabs.map(page => waitFor(async () => (await dashboardState(page)).alerts.some(alert => alert.message === message), { timeout: withinMs, what: `"${message}" in a tab` })))
    return Date.now() - started
  }

  /** Every alert ingested so far, once each and under its event id, in every tab given. */
  async function expectNoGapNoRepeat(tabs: Page[]) {
    for (const page of tabs) {
      const { alerts } = await dashboardState(page)
      const mine = alerts.filter(alert => ingested.has(alert.message))
      const keys = mine.map(alert => alert.key)
      expect(new Set(keys).size).toBe(keys.length)
      expect(new Map(mine.map(alert => [alert.message, alert.key]))).toEqual(ingested)
    }
  }

  beforeAll(async () => {
    app = await startApp({ env: { NUXT_INSTANCE_ID: 'solo', NUXT_SSE_HEARTBEAT_MS: '1000', NUXT_PUBLISH_TOKEN: TOKEN } })
    session = await openLifecycleBrowser()
    await session.page.close()
  })

  afterAll(async () => {
    await session?.close()
    await app?.stop()
  })

  it('seven tabs: one stream, and an alert ingested once shows in all seven within 3 s', async () => {
    for (let i = 0; i < 7; i++) await openTab()
    await expect.poll(streamsOnServer, { timeout: 5000 }).toBe(1)
    expect(holders()).toHaveLength(1)
    const tookMs = await shownEverywhere(await sendAlert(), pages, 3000)
    console.info(`alert in all 7 tabs after ${tookMs} ms`)
    await expectNoGapNoRepeat(pages)
  }, 240_000)

  it('the holder closes: another tab takes over, nothing missed and nothing twice', async () => {
    const [holder] = holders()
    const rest = live().filter(page => page !== holder)
    await sendAlert()
    await holder!.close()
    // Alerts during the handover and right after it.
    for (let i = 0; i < 5; i++) await sendAlert()
    const tookMs = await shownEverywhere(await sendAlert(), rest, 3000)
    console.info(`after the holder closed: next alert in ${rest.length} tabs after ${tookMs} ms`)
    await expect.poll(streamsOnServer, { timeout: 5000 }).toBe(1)
    expect(holders()).toHaveLength(1)
    await expectNoGapNoRepeat(rest)
  })

  it('a frozen holder loses the stream to another tab, and catches up when it wakes', async () => {
    const [holder] = holders()
    const cdp = await session.context.newCDPSession(holder!)
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
    await expect.poll(() => holders().filter(page => page !== holder).length, { timeout: 3000 }).toBe(1)
    await expect.poll(streamsOnServer, { timeout: 5000 }).toBe(1)
    const others = live().filter(page => page !== holder)
    await shownEverywhere(await sendAlert(), others, 3000)
    await cdp.send('Page.setWebLifecycleState', { state: 'active' })
    await shownEverywhere(await sendAlert(), live(), 3000)
    await expect.poll(streamsOnServer, { timeout: 5000 }).toBe(1)
    await expectNoGapNoRepeat(live())
  })

  it('offline and back: reconnects at once, nothing missed', async () => {
    await session.context.setOffline(true)
    await expect.poll(() => live()[0]!.getByTestId('connection').textContent(), { timeout: 15_000 }).not.toBe('Connected')
    for (let i = 0; i < 3; i++) await sendAlert()
    const last = await sendAlert()
    await session.context.setOffline(false)
    // The stream was closed when the network went: only the page's reaction to
    // `online` opens it again (2.5 s leaves room for six tabs polled on a busy machine).
    const tookMs = await shownEverywhere(last, live(), 2500)
    console.info(`back online: missed alerts in every tab after ${tookMs} ms`)
    await expect.poll(streamsOnServer, { timeout: 5000 }).toBe(1)
    await expectNoGapNoRepeat(live())
    expect(session.problems.filter(problem => !/ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED/.test(problem))).toEqual([])
  })
})

/**
 * The holder navigates away (into the back/forward cache): another tab takes
 * the stream over; back again, the restored page is live without a reload.
 */
describe('dashboard tabs and the back/forward cache (built server, headless Chromium)', () => {
  let app: AppServer
  let session: BrowserSession

  async function streamsOnServer(): Promise<number> {
    const stats = await (await fetch(`${app.url}/api/sse/stats`)).json() as { connectedClients: number }
    return stats.connectedClients
  }

  beforeAll(async () => {
    app = await startApp({ env: { NUXT_INSTANCE_ID: 'solo', NUXT_SSE_HEARTBEAT_MS: '1000', NUXT_PUBLISH_TOKEN: TOKEN } })
    session = await openBrowser({ width: 1024, height: 700, backForwardCache: true })
  })

  afterAll(async () => {
    await session?.close()
    await app?.stop()
  })

  it('the holder navigates away: the other tab streams; back: live within 2 s, same document', async () => {
    const { page, context } = session
    const notUsed: string[] = []
    const cdp = await context.newCDPSession(page)
    await cdp.send('Page.enable')
    cdp.on('Page.backForwardCacheNotUsed', event => notUsed.push(JSON.stringify(event.notRestoredExplanations)))
    await page.goto(app.url)
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe('Connected')
    // The first tab holds the stream; a second one listens.
    const other = await context.newPage()
    await other.goto(app.url)
    await expect.poll(() => other.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe('Connected')
    await expect.poll(streamsOnServer, { timeout: 5000 }).toBe(1)
    await page.evaluate(() => {
      (window as unknown as { keptInCache: boolean }).keptInCache = true
    })

    await page.goto(`${app.url}/health/live`)
    const away = await ingest(app.url, 'alerts', { level: 'warning', message: 'while the holder was away', source: 'tabs' }, TOKEN)
    expect(away.status).toBe(200)
    const awayId = (away.json.ids as string[])[0]!
    await waitFor(async () => (await dashboardState(other)).alerts.some(alert => alert.key === awayId), { timeout: 3000, what: 'the alert in the other tab' })
    await expect.poll(streamsOnServer, { timeout: 5000 }).toBe(1)
    // Away for longer than two heartbeats: a stream or lock kept by the cached
    // page would have evicted it or gone stale.
    await new Promise(resolve => setTimeout(resolve, 2500))

    await page.goBack({ waitUntil: 'commit' })
    const backAt = Date.now()
    await expect.poll(() => page.evaluate(() => (window as unknown as { keptInCache?: boolean }).keptInCache === true), { timeout: 5000 }).toBe(true)
    expect(notUsed).toEqual([])
    await waitFor(async () => (await dashboardState(page)).alerts.some(alert => alert.key === awayId), { timeout: 2000, what: 'the missed alert in the restored page' })
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: Math.max(100, 2000 - (Date.now() - backAt)) }).toBe('Connected')
    console.info(`restored from the back/forward cache: live after ${Date.now() - backAt} ms`)
    const after = await ingest(app.url, 'alerts', { level: 'info', message: 'after the return', source: 'tabs' }, TOKEN)
    const afterId = (after.json.ids as string[])[0]!
    for (const tab of [page, other]) await waitFor(async () => (await dashboardState(tab)).alerts.some(alert => alert.key === afterId), { timeout: 3000, what: 'the next alert in both tabs' })
    await expect.poll(streamsOnServer, { timeout: 5000 }).toBe(1)
  })
})
