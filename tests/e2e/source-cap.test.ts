import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { ingest, SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const TOKEN = 'publisher-token-for-tests'
const METRICS_TOKEN = 'metrics-token-for-tests'
const CAP = 200
const SOURCES = 5000

const metric = (source: string, cpu = 1) => ({ source, cpu, memory: 1, rps: 1, activeConnections: 1, errorRate: 0 })

interface Stats { sources: number, sourcesRefused: number }

describe('memory does not grow with the source names producers choose (NUXT_MAX_SOURCES)', () => {
  let redis: RedisServer
  let app: AppServer
  let watcher: SseStream
  const stats = async () => await (await fetch(`${app.url}/api/sse/stats`)).json() as Stats
  beforeAll(async () => {
    redis = await startRedis()
    app = await startApp({ env: { NUXT_REDIS_URL: redis.url, NUXT_PUBLISH_TOKEN: TOKEN, NUXT_METRICS_TOKEN: METRICS_TOKEN, NUXT_MAX_SOURCES: String(CAP) } })
    await waitFor(async () => (await fetch(`${app.url}/health/sse`)).status === 200, { what: 'broker ready' })
    watcher = await SseStream.open(`${app.url}/api/sse/dashboard?channels=metrics`)
  })
  afterAll(async () => {
    watcher?.close()
    await app?.stop()
    await redis?.stop()
  })

  it(`tracks at most ${CAP} sources of ${SOURCES} raw PUBLISH and ${SOURCES} ingested, refusing and counting the rest`, async () => {
    const pipeline = redis.client().pipeline()
    for (let i = 0; i < SOURCES; i++) pipeline.publish('dashboard:metrics', JSON.stringify(metric(`raw-${i}`)))
    await pipeline.exec()
    await waitFor(async () => (await stats()).sourcesRefused >= SOURCES - CAP, { what: 'raw refusals counted' })

    // Ingest: a batch with a new source beyond the cap is refused as a whole, before publishing.
    const statuses: number[] = []
    for (let batch = 0; batch < 20; batch++) {
      const events = Array.from({ length: SOURCES / 20 }, (_, i) => metric(`ingest-${batch}-${i}`))
      const response = await ingest(app.url, 'metrics', events, TOKEN)
      statuses.push(response.status)
      if (response.status !== 200) expect(String(response.json.message)).toMatch(/NUXT_MAX_SOURCES/)
    }
    expect(new Set(statuses)).toEqual(new Set([422]))

    const after = await stats()
    expect(after.sources).toBeLessThanOrEqual(CAP)
    expect(after.sourcesRefused).toBeGreaterThanOrEqual(SOURCES - CAP + 20)
    const exposition = await (await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text()
    const refused = Number(/^pulseboard_sources_refused_total (\d+)$/m.exec(exposition)?.[1])
    expect(refused).toBeGreaterThanOrEqual(after.sourcesRefused)
    expect(Number(/^pulseboard_sources_tracked (\d+)$/m.exec(exposition)?.[1])).toBeLessThanOrEqual(CAP)

    const snapshot = await (await fetch(`${app.url}/api/snapshot`)).json() as { metrics: { source: string }[] }
    expect(snapshot.metrics.length).toBeLessThanOrEqual(CAP)
    expect(new Set(watcher.events.filter(e => e.event === 'metric-update').map(e => JSON.parse(e.data).source)).size).toBeLessThanOrEqual(CAP)
  })

  it('keeps serving the sources it tracks, and its own metrics', async () => {
    await redis.client().publish('dashboard:metrics', JSON.stringify(metric('raw-0', 42)))
    await watcher.waitFor(events => events.some(e => e.data.includes('"source":"raw-0","cpu":42')), 'a tracked source\'s new sample')
    const own = (await (await fetch(`${app.url}/api/sse/stats`)).json() as { instance: string }).instance
    const seen = watcher.events.length
    await watcher.waitFor(events => events.slice(seen).some(e => e.event === 'metric-update' && JSON.parse(e.data).source === own), 'the instance\'s own metrics')
    expect(app.proc.exitCode).toBeNull()
  })
})
