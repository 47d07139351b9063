import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import type { BrowserSession } from '../helpers/browser'
import { openBrowser } from '../helpers/browser'
import { ingest } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const TOKEN = 'dashboard-feeds-test-token'

/** The alert feed, the log tail and the cards as a reader uses them (built server, real Redis, Chromium). */
describe('feeds and stale sources in Chromium', () => {
  let redis: RedisServer
  let app: AppServer
  let session: BrowserSession

  beforeAll(async () => {
    redis = await startRedis()
    app = await startApp({
      env: {
        NUXT_REDIS_URL: redis.url,
        NUXT_PUBLISH_TOKEN: TOKEN,
        NUXT_INSTANCE_ID: 'node-a',
        NUXT_SSE_HEARTBEAT_MS: '1000',
        NUXT_ALERT_CPU_PERCENT: '100',
        NUXT_ALERT_MEMORY_PERCENT: '100',
        NUXT_ALERT_ERROR_RATE_PERCENT: '100',
      },
    })
    await waitFor(async () => (await fetch(`${app.url}/health/sse`)).ok, { what: 'broker ready' })
    for (let i = 1; i <= 40; i++) {
      const { status } = await ingest(app.url, 'alerts', { level: i % 3 ? 'info' : 'warning', message: `backlog alert ${i}`, source: `worker-${i % 4}` }, TOKEN)
      expect(status).toBe(200)
    }
    session = await openBrowser()
    await session.page.goto(app.url)
    await waitFor(async () => await session.page.getByTestId('connection').textContent() === 'Connected', { what: 'the stream connected' })
  })

  afterAll(async () => {
    await session?.close()
    await app?.stop()
    await redis?.stop()
  })

  it('the alert feed can be scrolled while "N new" is shown, and holds where the reader is', async () => {
    const { page } = session
    const list = page.getByTestId('alerts').locator('ol')
    await expect.poll(() => list.locator('li').count()).toBe(40)
    const scrollTop = () => list.evaluate(el => el.scrollTop)
    await list.hover()
    await page.mouse.wheel(0, 300)
    await waitFor(async () => await scrollTop() > 100, { what: 'the feed scrolled by the wheel' })
    await ingest(app.url, 'alerts', { level: 'critical', message: 'arrived while reading', source: 'worker-1' }, TOKEN)
    await expect.poll(() => page.getByTestId('alerts-new').textContent()).toContain('1 new')
    // Scrolling on while "1 new" is shown moves the list, and it stays there.
    const before = await scrollTop()
    await page.mouse.wheel(0, 200)
    await waitFor(async () => await scrollTop() > before + 100, { what: 'the feed scrolled further' })
    await ingest(app.url, 'alerts', { level: 'info', message: 'another one', source: 'worker-2' }, TOKEN)
    await expect.poll(() => page.getByTestId('alerts-new').textContent()).toContain('2 new')
    expect(await scrollTop()).toBeGreaterThan(before + 100)
    expect(await list.locator('li').first().textContent()).toContain('backlog alert 40')
    // Scrolling back up does not throw the new ones in until asked.
    await page.mouse.wheel(0, -5000)
    await waitFor(async () => await scrollTop() === 0, { what: 'the feed back at the top' })
    expect(await list.locator('li').first().textContent()).toContain('backlog alert 40')
    await page.getByTestId('alerts-new').click()
    await expect.poll(() => list.locator('li').first().textContent()).toContain('another one')
  })

  it('shows a log line\'s fields in the log tail', async () => {
    const { page } = session
    await ingest(app.url, 'logs', { level: 'warn', message: 'order stuck', source: 'shop-1', fields: { order: 42, region: 'eu' } }, TOKEN)
    const line = page.getByTestId('logs').locator('li', { hasText: 'order stuck' })
    await expect.poll(() => line.textContent()).toContain('order=42')
    expect(await line.textContent()).toContain('region=eu')
  })

  it('a stale source keeps its full name on the cards, on a phone too', async () => {
    const { page } = session
    await page.setViewportSize({ width: 390, height: 844 })
    await ingest(app.url, 'metrics', { source: 'collector-west-7', cpu: 50, memory: 50, rps: 1, activeConnections: 1, errorRate: 0 }, TOKEN)
    const row = page.getByTestId('card-cpu').locator('li', { hasText: 'collector-west-7' })
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/stale/)
    // The name is shown whole, not cut to "c…".
    const name = row.locator('.row-source')
    expect(await name.evaluate(el => el.scrollWidth <= el.clientWidth)).toBe(true)
  })

  it('logged no console errors, page errors or failed requests', () => {
    expect(session.problems).toEqual([])
  })
})
