import { copyFileSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import type { BrowserSession } from '../helpers/browser'
import { openBrowser, saveScreenshot } from '../helpers/browser'
import type { FleetShape } from '../helpers/fleet-feeder'
import { calmFleet, fleetFeeder } from '../helpers/fleet-feeder'
import { waitFor } from '../helpers/wait'
import { compareNatural } from '../../utils/natural-order'

const SEVERITY = ['critical', 'warn', 'stale', 'ok', 'gone']

const TOKEN = 'dashboard-fleet-test-token'
const WALL = { width: 1920, height: 1080 }
const PHONE = { width: 390, height: 844 }
/** Where the README's wall-screen picture comes from (`PULSEBOARD_UPDATE_DOCS=1`). */
const DOCS_PICTURE = resolve('docs/screenshot-fleet-dark.png')

/** host-7 runs hot (critical), host-13 is warm (warning), host-4 went quiet (stale); the rest are calm. */
const shape: FleetShape = (source, index, second) => {
  const values = calmFleet(source, index, second)
  if (source === 'host-7') return { ...values, cpu: 96 + Math.sin(second / 9) * 2 }
  if (source === 'host-13') return { ...values, memory: 78 }
  return values
}

function hosts(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `host-${i + 1}`)
}

/**
 * The dashboard at 1, 20 and 200 sources (the instance itself plus collectors
 * publishing every second through ingest), dark and light, on a wall screen
 * and a phone: built server, real Redis, headless Chromium.
 */
describe.each([1, 20, 200])('the dashboard with %i sources', (sources) => {
  let redis: RedisServer
  let app: AppServer
  let session: BrowserSession
  let feeder: ReturnType<typeof fleetFeeder> | null = null

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
    if (sources > 1) {
      feeder = fleetFeeder(app.url, TOKEN, hosts(sources - 1), { shape, silent: new Set(['host-4']) })
      // A few minutes of history: as many samples in all at 20 sources as at 200 (seeding takes its time).
      await feeder.seedHistory(Math.min(300, Math.floor(36_000 / sources)))
      feeder.start()
    }
    session = await openBrowser(WALL)
  })

  afterAll(async () => {
    await feeder?.stop()
    await session?.close()
    await app?.stop()
    await redis?.stop()
  })

  async function open(page: Page, path = '/'): Promise<void> {
    await page.goto(`${app.url}${path}`)
    await waitFor(async () => await page.getByTestId('connection').textContent() === 'Connected', { what: 'the stream connected' })
    await waitFor(async () => await page.getByTestId('tile').count() === sources, { what: `${sources} tiles` })
    // Charts drawn with data, and host-4 already stale (it sends history only).
    await waitFor(async () => /=\d|band:/.test(await page.getByTestId('chart-cpu').getAttribute('data-drawn') ?? ''), { what: 'the CPU chart drawn' })
    if (sources > 1) await waitFor(async () => await page.locator('[data-testid="tile"]:is([data-state="stale"], [data-state="gone"])', { hasText: 'host-4' }).count() === 1, { what: 'host-4 stale' })
  }

  async function layout(page: Page) {
    return page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      scrollHeight: document.documentElement.scrollHeight,
      innerWidth: window.innerWidth,
      legendEntries: Math.max(...[...document.querySelectorAll('.chart')].map(chart => chart.querySelectorAll('.u-legend .u-series').length)),
      cardRows: Math.max(...[...document.querySelectorAll('.card')].map(card => card.querySelectorAll('.row').length)),
    }))
  }

  for (const theme of ['dark', 'light'] as const) {
    for (const viewport of [WALL, PHONE]) {
      it(`${theme}, ${viewport.width} px wide: fits the width, stays within its height, worst source first`, async () => {
        const { page, context } = session
        await context.addCookies([{ name: 'pulseboard-theme', value: theme, url: app.url }])
        await page.setViewportSize(viewport)
        await open(page)
        expect(await page.locator('html').getAttribute('data-theme')).toBe(theme)
        const shot = await saveScreenshot(page, `fleet-${sources}-${theme}-${viewport.width}.png`, viewport === PHONE)
        if (sources === 200 && theme === 'dark' && viewport === WALL && process.env.PULSEBOARD_UPDATE_DOCS === '1') {
          mkdirSync(resolve('docs'), { recursive: true })
          copyFileSync(shot, DOCS_PICTURE)
        }
        const box = await layout(page)
        expect(box.scrollWidth).toBeLessThanOrEqual(box.innerWidth)
        // Wall screen: at most two screens; phone: at most five (cards, up to 24 tiles, five charts and three feeds, stacked).
        expect(box.scrollHeight).toBeLessThanOrEqual(viewport.height * (viewport === WALL ? 2 : 5))
        // Never a legend entry or a card row per source.
        expect(box.legendEntries).toBeLessThanOrEqual(8)
        expect(box.cardRows).toBeLessThanOrEqual(3)
        const tiles = page.getByTestId('tile')
        if (sources > 1) {
          // Worst first, then natural name order. (The instance's own node-a
          // may run hot on a busy machine; host-7 still sorts before it.)
          const order = await tiles.evaluateAll(list => list.map(tile => ({ name: tile.querySelector('.tile-name')!.textContent!, state: tile.getAttribute('data-state')! })))
          const sorted = [...order].sort((a, b) => SEVERITY.indexOf(a.state) - SEVERITY.indexOf(b.state) || compareNatural(a.name, b.name))
          expect(order).toEqual(sorted)
          expect(order[0]).toEqual({ name: 'host-7', state: 'critical' })
          expect(order.find(tile => tile.name === 'host-13')?.state).toMatch(/warn|critical/)
          // Silent since its history: stale, and gone after a minute (a large seed takes that long).
          expect(order.find(tile => tile.name === 'host-4')?.state).toMatch(/stale|gone/)
          expect((await page.getByTestId('card-cpu').locator('.row .row-source').allTextContents()).slice(0, 2)).toContain('host-7')
          expect(await page.getByTestId('card-cpu').getByTestId('rows-more').textContent()).toContain(`${sources - 3} more`)
        }
        else {
          expect(await tiles.first().textContent()).toContain('node-a')
          expect(await page.getByTestId('chart-cpu').getAttribute('data-mode')).toBe('lines')
        }
        if (sources === 200) expect(await page.getByTestId('chart-cpu').getAttribute('data-mode')).toBe('band')
        // The text equivalent of a tile names the source and its state (node-a alone shows its real CPU, whatever the machine is doing).
        expect(await tiles.first().textContent()).toMatch(/critical|warning|stale|gone|ok/)
      })
    }
  }

  it('focus, window and pause live in the URL, survive a reload, and a tile click focuses', async () => {
    const { page, context } = session
    await context.clearCookies()
    await page.setViewportSize(WALL)
    const target = sources > 1 ? 'host-13' : 'node-a'
    await open(page, `/?source=${target}&window=5&paused`)
    for (let round = 0; round < 2; round++) {
      expect(await page.getByTestId('window-5').getAttribute('aria-pressed')).toBe('true')
      expect(await page.getByTestId('charts-pause').getAttribute('aria-pressed')).toBe('true')
      expect(await page.locator('.tile[aria-pressed="true"]').textContent()).toContain(target)
      const rows = await page.getByTestId('card-cpu').locator('.row').allTextContents()
      expect(rows).toHaveLength(1)
      expect(rows[0]).toContain(target)
      expect(await page.getByTestId('chart-cpu').getAttribute('data-mode')).toBe('lines')
      if (round === 0) {
        await page.reload()
        await waitFor(async () => await page.getByTestId('connection').textContent() === 'Connected', { what: 'connected after reload' })
      }
    }
    if (sources > 1) {
      // 200 sources: the fleet's history came in wide buckets; focused, host-7's own comes at full resolution.
      const detail = sources === 200 ? page.waitForResponse(response => new URL(response.url()).searchParams.get('source') === 'host-7') : null
      await page.getByTestId('tile').first().click()
      await waitFor(() => new URL(page.url()).searchParams.get('source') === 'host-7', { what: 'the URL focused on host-7' })
      if (detail) {
        const answer = await detail
        expect(answer.status()).toBe(200)
        expect(await answer.json()).toMatchObject({ bucketMs: 10_000, names: ['host-7'] })
      }
      await page.getByTestId('charts-pause').click()
      await waitFor(async () => (await page.getByTestId('chart-cpu').getAttribute('data-drawn') ?? '').startsWith('host-7='), { what: 'host-7 drawn alone' })
      expect(new URL(page.url()).searchParams.has('paused')).toBe(false)
      await page.getByTestId('show-all').click()
      await waitFor(() => !new URL(page.url()).searchParams.has('source'), { what: 'focus cleared' })
    }
  })

  it('kiosk: no controls, one screen', async () => {
    const { page } = session
    await page.setViewportSize(WALL)
    await open(page, '/?kiosk')
    if (sources === 200) await saveScreenshot(page, 'fleet-200-kiosk.png')
    const box = await layout(page)
    expect(box.scrollHeight).toBeLessThanOrEqual(WALL.height)
    expect(box.scrollWidth).toBeLessThanOrEqual(WALL.width)
    expect(await page.locator('main button, header button, select, input').count()).toBe(0)
  })

  it('logged no console errors, page errors or failed requests', () => {
    expect(session.problems).toEqual([])
  })
})
