import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { HISTORY_BUCKET_MS } from '../../shared/history'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import type { BrowserSession } from '../helpers/browser'
import { openBrowser } from '../helpers/browser'
import { ingest } from '../helpers/sse-client'

/**
 * Two instances on one Redis; the browser is on A. A is killed (SIGKILL) and
 * started again on the same port while B keeps publishing: the page must say
 * it lost the connection, come back to Connected by itself, and its charts
 * must hold every sample B published, including those of the outage.
 */
describe('the dashboard across a server crash (two instances, real Redis, headless Chromium)', () => {
  let redis: RedisServer
  let a: AppServer
  let b: AppServer
  let session: BrowserSession
  const env = (id: string, url: string) => ({ NUXT_REDIS_URL: url, NUXT_INSTANCE_ID: id, NUXT_SSE_HEARTBEAT_MS: '1000' })

  beforeAll(async () => {
    redis = await startRedis()
    ;[a, b] = await Promise.all([startApp({ env: env('node-a', redis.url) }), startApp({ env: env('node-b', redis.url) })])
    session = await openBrowser({ width: 1280, height: 900 })
  })

  afterAll(async () => {
    await session?.close()
    await Promise.all([a?.stop(), b?.stop()])
    await redis?.stop()
  })

  it('shows the lost connection, reconnects on its own and keeps the charts whole', async () => {
    const { page } = session
    const connection = page.getByTestId('connection')
    const chart = page.getByTestId('chart-cpu')
    const drawnCount = async (source: string) => Number(new RegExp(`${source}=(\\d+)`).exec(await chart.getAttribute('data-drawn') ?? '')?.[1] ?? 0)

    await page.goto(a.url)
    await expect.poll(() => connection.textContent(), { timeout: 15_000 }).toBe('Connected')
    await expect.poll(() => drawnCount('node-b'), { timeout: 15_000 }).toBeGreaterThan(1)

    await a.stop('SIGKILL')
    await expect.poll(() => connection.textContent(), { timeout: 15_000 }).toMatch(/^(Reconnecting… \(attempt \d+\)|Disconnected — .+)$/)
    // B keeps publishing while A is down: wait for a few samples the page cannot see yet.
    const missedFrom = Date.now()
    await expect.poll(async () => (await metricSeconds(redis, 'node-b')).filter(s => s * 1000 >= missedFrom).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(3)

    a = await startApp({ port: a.port, env: env('node-a', redis.url) })
    await expect.poll(() => connection.textContent(), { timeout: 30_000 }).toBe('Connected')

    // Let the chart draw past the restart, then freeze it and compare with the log.
    const restartedAt = Math.floor(Date.now() / 1000)
    await expect.poll(async () => Number(await chart.getAttribute('data-drawn-until')), { timeout: 15_000 }).toBeGreaterThan(restartedAt)
    await page.getByTestId('charts-pause').click()
    const until = Number(await chart.getAttribute('data-drawn-until'))
    // History starts at the first whole bucket the log holds (README, "Chart history"): the
    // oldest one may be partly trimmed, so it is left out; every second after it is drawn.
    const logged = await metricSeconds(redis, 'node-b')
    const firstWholeBucket = (Math.floor(logged[0]! / HISTORY_BUCKET_S) + 1) * HISTORY_BUCKET_S
    const expected = logged.filter(second => second >= firstWholeBucket && second <= until)
    expect(await chartSeconds(page, 'node-b', firstWholeBucket, until)).toEqual(expected)

    // While A is down the browser reports the refused connections; nothing
    // else may go wrong (the app manifest, which logged an error, is off).
    const outage = /ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_CONNECTION_RESET/
    const unexpected = session.problems.filter(problem => !outage.test(problem))
    expect(unexpected).toEqual([])
  })
})

const HISTORY_BUCKET_S = HISTORY_BUCKET_MS / 1000

/** The seconds from `from` to `until` at which the page's CPU chart data has a point of `source`. */
async function chartSeconds(page: Page, source: string, from: number, until: number): Promise<number[]> {
  return page.evaluate(({ source, from, until }) => {
    const app = (document.querySelector('#__nuxt') as unknown as { __vue_app__: { config: { globalProperties: { $pinia: { _s: Map<string, { chart: () => { aligned: (field: string) => (number | null)[][], sources: string[] } }> } } } } }).__vue_app__
    const store = app.config.globalProperties.$pinia._s.get('dashboard')!
    const [times, ...series] = store.chart().aligned('cpu')
    const values = series[store.chart().sources.indexOf(source)] ?? []
    return times!.filter((t, i) => t! >= from && t! <= until && values[i] != null).map(t => Math.floor(t!))
  }, { source, from, until })
}

/** Distinct whole seconds of the metric samples `source` has in the Redis log. */
async function metricSeconds(redis: RedisServer, source: string): Promise<number[]> {
  const client = redis.client()
  try {
    const entries = await client.xrange('dashboard:log', '-', '+') as [string, string[]][]
    const seconds = new Set<number>()
    for (const [, fields] of entries) {
      if (fields[fields.indexOf('c') + 1] !== 'metrics') continue
      const metric = JSON.parse(fields[fields.indexOf('d') + 1]!) as { source: string, timestamp: string }
      if (metric.source === source) seconds.add(Math.floor(Date.parse(metric.timestamp) / 1000))
    }
    return [...seconds].sort((x, y) => x - y)
  }
  finally {
    client.disconnect()
  }
}

/**
 * The embedded broker forgets its log on a restart: the page's resume id is
 * unknown to the new process, the stream answers `reset`, and the page must
 * reload the snapshot and carry on by itself.
 */
describe('the dashboard when the resume point is gone (embedded broker restarted)', () => {
  let app: AppServer
  let session: BrowserSession
  const TOKEN = 'reset-test-token'
  const env = { NUXT_INSTANCE_ID: 'solo', NUXT_SSE_HEARTBEAT_MS: '1000', NUXT_PUBLISH_TOKEN: TOKEN }

  beforeAll(async () => {
    app = await startApp({ env })
    session = await openBrowser({ width: 1280, height: 900 })
  })

  afterAll(async () => {
    await session?.close()
    await app?.stop()
  })

  it('reloads the snapshot on reset and shows what the new process has', async () => {
    const { page } = session
    const connection = page.getByTestId('connection')
    await page.goto(app.url)
    await expect.poll(() => connection.textContent(), { timeout: 15_000 }).toBe('Connected')
    await expect.poll(() => page.getByTestId('card-cpu').textContent()).toContain('solo')

    await app.stop('SIGKILL')
    await expect.poll(() => connection.textContent(), { timeout: 15_000 }).not.toBe('Connected')
    // Record the snapshots the page loads and the resume ids its streams ask for.
    const snapshotIds: string[] = []
    const resumeIds: string[] = []
    page.on('response', async (response) => {
      if (response.url().endsWith('/api/snapshot') && response.ok()) snapshotIds.push((await response.json()).lastEventId)
    })
    page.on('request', (request) => {
      if (request.url().includes('/api/sse/dashboard')) resumeIds.push(new URL(request.url()).searchParams.get('lastEventId') ?? '')
    })
    app = await startApp({ port: app.port, env })
    // Published before the page is back: the new log has it, the old resume id does not exist there.
    await ingest(app.url, 'alerts', { level: 'warning', message: 'raised while the page was away', source: 'solo' }, TOKEN)
    await expect.poll(() => connection.textContent(), { timeout: 30_000 }).toBe('Connected')
    // The page reopened its stream from the id of a snapshot the new process served.
    await expect.poll(() => resumeIds.some(id => id !== '' && snapshotIds.includes(id)), { timeout: 15_000 }).toBe(true)
    await expect.poll(() => page.getByTestId('alerts').textContent()).toContain('raised while the page was away')
    // And live again after the reset.
    await ingest(app.url, 'alerts', { level: 'info', message: 'after the reset', source: 'solo' }, TOKEN)
    await expect.poll(() => page.getByTestId('alerts').locator('li').first().textContent()).toContain('after the reset')

    const outage = /ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_CONNECTION_RESET/
    expect(session.problems.filter(problem => !outage.test(problem))).toEqual([])
  })
})
