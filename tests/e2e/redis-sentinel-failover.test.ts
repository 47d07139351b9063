import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { SentinelTopology } from '../helpers/redis-topology-sentinel'
import { startSentinelTopology } from '../helpers/redis-topology-sentinel'
import { expectExactlyOnce, startIdempotentCollector } from '../helpers/failover-drill'
import { SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const TOKEN = 'publisher-token-for-sentinel-tests'
const METRICS = 'metrics-token-for-sentinel-tests'

interface BrokerStats { outages: number, downForMs: number | null, lastOutage: { durationMs: number } | null, failovers: number, logResets: number }

const health = async (app: AppServer) => {
  const response = await fetch(`${app.url}/health/sse`)
  return { status: response.status, body: await response.json() as { status: string, downForMs?: number } }
}
const brokerStats = async (app: AppServer) => ((await (await fetch(`${app.url}/api/sse/stats`)).json()) as { broker: BrokerStats }).broker

describe('Sentinel: the primary is killed while a collector publishes with WAIT 1', () => {
  let topology: SentinelTopology
  let app: AppServer
  beforeAll(async () => {
    topology = await startSentinelTopology()
    app = await startApp({
      env: {
        NUXT_REDIS_SENTINELS: topology.sentinelList,
        NUXT_REDIS_WAIT_REPLICAS: '1',
        NUXT_PUBLISH_TOKEN: TOKEN,
        NUXT_METRICS_TOKEN: METRICS,
        NUXT_SSE_HEARTBEAT_MS: '1000',
      },
    })
    await waitFor(async () => (await health(app)).status === 200, { what: 'broker ready on Sentinel' })
  })
  afterAll(async () => {
    await app?.stop()
    await topology?.stop()
  })

  it('delivers every acknowledged event exactly once, keeps streaming and reports the outage and its end', async () => {
    const stream = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`)
    const collector = startIdempotentCollector([app.url], TOKEN)
    await waitFor(() => collector.acknowledged.length >= 10, { what: 'ten events before the fault' })

    const old = await topology.primary()
    const killedAt = Date.now()
    await old.kill()
    const down = await waitFor(async () => {
      const { status, body } = await health(app)
      return status === 503 && body
    }, { what: '/health/sse to report the outage', timeout: 10_000, interval: 100 })
    expect(down.status).toBe('down')
    await topology.waitForNewPrimary(old)
    await waitFor(async () => (await health(app)).status === 200, { what: '/health/sse to recover', timeout: 20_000, interval: 100 })
    const recoveredAt = Date.now()
    const before = collector.acknowledged.length
    await waitFor(() => collector.acknowledged.length >= before + 10, { what: 'ten events after the failover', timeout: 20_000 })
    await collector.stop()

    const last = collector.acknowledged.at(-1)!.id
    await stream.waitFor(events => events.some(e => e.id === last), 'the last acknowledged event on the stream', 20_000)
    const { resets } = expectExactlyOnce(stream, collector.acknowledged)
    expect(stream.ended).toBe(false)

    const stats = await brokerStats(app)
    expect(stats.outages).toBeGreaterThanOrEqual(1)
    expect(stats.downForMs).toBeNull()
    expect(stats.lastOutage!.durationMs).toBeGreaterThan(0)
    expect(stats.failovers).toBeGreaterThanOrEqual(1)
    const metrics = await (await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } })).text()
    expect(Number(/^pulseboard_redis_failovers_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1)

    console.info(`sentinel failover with WAIT 1: health down for ${stats.lastOutage!.durationMs} ms, `
      + `kill to health 200 ${recoveredAt - killedAt} ms, longest wait for an acknowledgement ${collector.longestWaitMs()} ms, `
      + `${collector.acknowledged.length} events acknowledged, ${collector.refused.length} attempts refused, ${resets} resets, ${stats.logResets} log resets`)
    stream.close()
  })
})
