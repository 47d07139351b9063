import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import type { BrowserSession } from '../helpers/browser'
import { openBrowser, saveScreenshot } from '../helpers/browser'
import { ingest } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const TOKEN = 'dashboard-page-test-token'
const JS_BUDGET_GZIP = 150 * 1024

describe('the dashboard page (built server, real Redis, headless Chromium)', () => {
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
        // A busy test machine must not add its own alerts to the feed under test.
        NUXT_ALERT_CPU_PERCENT: '100',
        NUXT_ALERT_MEMORY_PERCENT: '100',
        NUXT_ALERT_ERROR_RATE_PERCENT: '100',
      },
    })
    // The metrics task publishes every second; wait until the snapshot has a sample.
    await waitFor(async () => {
      const snapshot = await (await fetch(`${app.url}/api/snapshot`)).json() as { metrics: unknown[], health: unknown[] }
      return snapshot.metrics.length > 0 && snapshot.health.length > 0
    }, { what: 'a metric and a health check in the snapshot' })
    session = await openBrowser()
  })

  afterAll(async () => {
    await session?.close()
    await app?.stop()
    await redis?.stop()
  })

  const connection = () => session.page.getByTestId('connection')

  it('server-renders real numbers and opens the stream from the id the HTML was rendered at', async () => {
    const { page } = session
    const streamRequest = page.waitForRequest(request => request.url().includes('/api/sse/dashboard'))
    const response = await page.goto(app.url)
    const html = await response!.text()

    // The CPU card of the server-rendered HTML holds a number and a row for this instance.
    const cpuCard = html.slice(html.indexOf('data-testid="card-cpu"'), html.indexOf('data-testid="card-memory"'))
    expect(cpuCard).toMatch(/data-testid="cluster-value"><span class="num">\d+\.\d<\/span>/)
    expect(cpuCard).toContain('node-a')
    expect(html).toMatch(/broker:redis/)
    expect(html).toContain('Connecting…')

    const resumeId = new URL((await streamRequest).url()).searchParams.get('lastEventId')
    expect(resumeId).toMatch(/^\d+-\d+$/)
    expect(html).toContain(`"${resumeId}"`)

    await expect.poll(() => connection().textContent(), { timeout: 15_000 }).toBe('Connected')
  })

  it('applies live metrics after hydration and marks a source stale after 3 s', async () => {
    const { page } = session
    const { status } = await ingest(app.url, 'metrics', { source: 'collector-x', cpu: 42.5, memory: 99.5, rps: 1234, activeConnections: 7, errorRate: 0.5 }, TOKEN)
    expect(status).toBe(200)
    const memoryCard = page.getByTestId('card-memory')
    const row = memoryCard.locator('li', { hasText: 'collector-x' })
    await expect.poll(() => row.textContent()).toContain('99.5%')
    expect(await page.getByTestId('card-cpu').locator('li', { hasText: 'collector-x' }).textContent()).toContain('42.5%')
    // Two live sources now: memory shows the highest one, in the critical tone.
    expect(await memoryCard.getByTestId('cluster-value').textContent()).toContain('99.5')
    expect(await memoryCard.getAttribute('data-tone')).toBe('critical')
    // collector-x sent one sample only: it must not go on looking live.
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/stale — last sample \d+ s ago/)
    expect(await memoryCard.getByTestId('cluster-value').textContent()).not.toContain('99.5')
  })

  it('shows an alert ingested over HTTP, newest first, and announces critical ones', async () => {
    const { page } = session
    await ingest(app.url, 'alerts', { level: 'warning', message: 'Queue depth rising on worker-2', source: 'collector-x' }, TOKEN)
    await ingest(app.url, 'alerts', { level: 'critical', message: 'Disk almost full on db-1', source: 'collector-x' }, TOKEN)
    const feed = page.getByTestId('alerts')
    await expect.poll(() => feed.locator('li').first().textContent()).toContain('Disk almost full on db-1')
    expect(await feed.locator('li').nth(1).textContent()).toContain('Queue depth rising on worker-2')
    expect(await feed.locator('li').first().getAttribute('data-level')).toBe('critical')
    await expect.poll(() => page.getByTestId('alert-announcer').textContent()).toContain('Critical alert from collector-x: Disk almost full on db-1')
    expect(await page.getByTestId('alert-announcer').getAttribute('aria-live')).toBe('assertive')
  })

  it('pauses the charts while data keeps arriving, and resumes', async () => {
    const { page } = session
    const chart = page.getByTestId('chart-cpu')
    const drawn = () => chart.getAttribute('data-drawn')
    const count = (value: string | null) => Number(/node-a=(\d+)/.exec(value ?? '')?.[1] ?? 0)
    await expect.poll(async () => count(await drawn()), { timeout: 15_000 }).toBeGreaterThan(2)

    await page.getByTestId('charts-pause').click()
    // Pause lives in the URL (?paused): it takes effect once the router has replaced the entry.
    await expect.poll(() => page.getByTestId('charts-pause').getAttribute('aria-pressed')).toBe('true')
    const frozen = await drawn()
    const events = async () => Number((await page.getByTestId('event-count').textContent())!.replace(/\D/g, ''))
    const before = await events()
    await expect.poll(events, { timeout: 15_000 }).toBeGreaterThan(before + 3)
    expect(await drawn()).toBe(frozen)

    await page.getByTestId('charts-pause').click()
    await expect.poll(async () => count(await drawn())).toBeGreaterThan(count(frozen))
  })

  it('holds the log tail still while paused and offers the new lines', async () => {
    const { page } = session
    const logs = page.getByTestId('logs')
    await page.getByTestId('logs-pause').click()
    const lines = ['first held line', 'second held line', 'third held line']
    for (const message of lines) await ingest(app.url, 'logs', { level: 'warn', message, source: 'collector-x' }, TOKEN)
    await expect.poll(() => page.getByTestId('logs-new').textContent()).toContain('3 new lines')
    expect(await logs.textContent()).not.toContain('held line')

    await page.getByTestId('logs-new').click()
    await expect.poll(() => logs.locator('li').first().textContent()).toContain('third held line')
    expect(await page.getByTestId('logs-pause').getAttribute('aria-pressed')).toBe('false')

    // The level filter hides lines below the chosen level.
    await page.getByTestId('log-level').selectOption('error')
    await expect.poll(() => logs.textContent()).not.toContain('held line')
    await page.getByTestId('log-level').selectOption('info')
  })

  it('switches to the light theme and remembers it', async () => {
    const { page } = session
    const html = page.locator('html')
    expect(await html.getAttribute('data-theme')).toBe('dark')
    await waitForChartsDrawn()
    await saveScreenshot(page, 'dashboard-dark.png')
    // Charts take the theme's colours too (the legend marker shows the first source's line colour).
    const marker = () => page.getByTestId('chart-cpu').locator('.u-series .u-marker').nth(1).evaluate(el => getComputedStyle(el).backgroundColor)
    expect(await marker()).toBe('rgb(108, 182, 255)')
    await page.getByTestId('theme-toggle').click()
    await expect.poll(() => html.getAttribute('data-theme')).toBe('light')
    await expect.poll(marker).toBe('rgb(9, 105, 218)')
    await page.reload()
    // Rendered light by the server: the cookie came with the request.
    expect(await html.getAttribute('data-theme')).toBe('light')
    await expect.poll(() => connection().textContent(), { timeout: 15_000 }).toBe('Connected')
    await waitForChartsDrawn()
    await saveScreenshot(page, 'dashboard-light.png')
    await page.getByTestId('theme-toggle').click()
    await expect.poll(() => html.getAttribute('data-theme')).toBe('dark')
  })

  it('works from the keyboard: every control is reachable with Tab and toggles with Space', async () => {
    const { page } = session
    await page.locator('body').click({ position: { x: 5, y: 5 } })
    const reached = new Set<string>()
    for (let i = 0; i < 40 && !reached.has('logs-pause'); i++) {
      await page.keyboard.press('Tab')
      const id = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)
      if (id) reached.add(id)
    }
    expect([...reached]).toEqual(expect.arrayContaining(['theme-toggle', 'window-5', 'window-30', 'charts-pause', 'log-level', 'logs-pause']))
    // Focus is visible: the focused control draws an outline.
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe('solid')
    await page.keyboard.press('Space')
    expect(await page.getByTestId('logs-pause').getAttribute('aria-pressed')).toBe('true')
    await page.keyboard.press('Space')
    expect(await page.getByTestId('logs-pause').getAttribute('aria-pressed')).toBe('false')
  })

  it(`ships at most ${JS_BUDGET_GZIP / 1024} KB of JavaScript (gzip) for /`, async () => {
    const page = await session.context.newPage()
    const scripts = new Set<string>()
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script') scripts.add(new URL(response.url()).pathname)
    })
    await page.goto(app.url)
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe('Connected')
    await expect.poll(() => page.getByTestId('chart-cpu').getAttribute('data-drawn')).toBeTruthy()
    let total = 0
    for (const path of scripts) total += gzipSync(readFileSync(resolve('.output/public', `.${path}`))).length
    console.info(`JavaScript for /: ${scripts.size} files, ${(total / 1024).toFixed(1)} KB gzip`)
    expect(scripts.size).toBeGreaterThan(0)
    expect(total).toBeLessThanOrEqual(JS_BUDGET_GZIP)
    await page.close()
  })

  it('logged no console errors, page errors or failed requests', () => {
    expect(session.problems).toEqual([])
  })

  async function waitForChartsDrawn(): Promise<void> {
    await expect.poll(() => session.page.getByTestId('chart-errorRate').getAttribute('data-drawn')).toMatch(/node-a=\d+/)
  }
})
