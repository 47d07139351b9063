import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import type { BrowserSession } from '../helpers/browser'
import { openBrowser } from '../helpers/browser'
import { dashboardState } from '../helpers/dashboard-state'

/**
 * A collector that speaks Redis (`PUBLISH dashboard:alerts '…'`, README,
 * Publishing from outside) sends live-only events: no `id:`. The browser
 * reports the previous durable id with them, so a page that orders by that
 * id would drop them as already seen. With the instance's durable metrics
 * flowing, raw alerts and metrics must show.
 */
describe('raw PUBLISH on the page (real Redis, built server, headless Chromium)', () => {
  let redis: RedisServer
  let app: AppServer
  let session: BrowserSession

  beforeAll(async () => {
    redis = await startRedis()
    app = await startApp({ env: { NUXT_REDIS_URL: redis.url, NUXT_INSTANCE_ID: 'node-a', NUXT_SSE_HEARTBEAT_MS: '1000' } })
    session = await openBrowser({ width: 1280, height: 900 })
  })

  afterAll(async () => {
    await session?.close()
    await app?.stop()
    await redis?.stop()
  })

  it('shows raw alerts and metrics between durable events', async () => {
    const { page } = session
    await page.goto(app.url)
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 15_000 }).toBe('Connected')
    // Durable metrics flow: the page's last event id moves.
    const first = (await dashboardState(page)).lastEventId
    await expect.poll(async () => (await dashboardState(page)).lastEventId, { timeout: 15_000 }).not.toBe(first)

    const publisher = redis.client()
    for (let i = 1; i <= 3; i++) {
      await publisher.publish('dashboard:alerts', JSON.stringify({ level: 'critical', message: `raw alert ${i}`, source: 'raw-collector' }))
      await publisher.publish('dashboard:metrics', JSON.stringify({ source: `raw-${i}`, cpu: 42, memory: 10, rps: 1, activeConnections: 0, errorRate: 0, timestamp: new Date().toISOString() }))
      // Let a durable metric come between the raw events.
      const before = (await dashboardState(page)).lastEventId
      await expect.poll(async () => (await dashboardState(page)).lastEventId, { timeout: 5000 }).not.toBe(before)
    }

    await expect.poll(async () => (await dashboardState(page)).alerts.map(a => a.message).filter(m => m.startsWith('raw alert')), { timeout: 5000 })
      .toEqual(['raw alert 3', 'raw alert 2', 'raw alert 1'])
    await expect.poll(() => page.getByTestId('alerts').textContent(), { timeout: 5000 }).toContain('raw alert 3')
    expect((await dashboardState(page)).metricSources).toEqual(expect.arrayContaining(['node-a', 'raw-1', 'raw-2', 'raw-3']))
    expect(session.problems).toEqual([])
  })
})
