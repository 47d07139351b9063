import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { ingest, SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const PUBLISH_TOKEN = 'publisher-token-for-alert-tests'
const METRICS_TOKEN = 'metrics-token-for-alert-tests'

interface Hook { url: string, bodies: Record<string, unknown>[], server: Server }

/** A local webhook receiver: records every JSON body, answers `status`. */
async function receiver(status = 200): Promise<Hook> {
  const bodies: Record<string, unknown>[] = []
  const server = createServer((req, res) => {
    let text = ''
    req.on('data', chunk => (text += chunk))
    req.on('end', () => {
      bodies.push(JSON.parse(text) as Record<string, unknown>)
      res.writeHead(status).end()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, server }
}

const RULES = (failingHook: string) => `
rules:
  - name: collector-cpu
    metric: cpu
    threshold: 90
    clear: 50
    holdSamples: 3
    scope: host
    source: "collector-*"
  - name: busy
    metric: rps
    threshold: 1000
    holdSamples: 2
    level: warning
    source: "ingest-*"
    webhook:
      url: ${failingHook}
`

/** Sum of one Prometheus counter sample over every instance. */
async function counterSum(apps: AppServer[], line: string): Promise<number> {
  let sum = 0
  for (const app of apps) {
    const text = await (await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text()
    const match = text.split('\n').find(l => l.startsWith(`${line} `))
    sum += match ? Number(match.split(' ')[1]) : 0
  }
  return sum
}

/** Alerts in one instance's snapshot (read from the log it follows). */
async function snapshotAlertCount(app: AppServer): Promise<number> {
  const snapshot = await (await fetch(`${app.url}/api/snapshot`)).json() as { alerts?: unknown[] }
  return snapshot.alerts?.length ?? 0
}

describe('alert rules over the whole fleet, three instances on one Redis', () => {
  let redis: RedisServer
  const apps: AppServer[] = []
  let hook: Hook
  let failing: Hook
  let dir: string
  let alerts: SseStream

  beforeAll(async () => {
    redis = await startRedis()
    hook = await receiver(200)
    failing = await receiver(500)
    dir = mkdtempSync(join(tmpdir(), 'pulseboard-alert-rules-'))
    writeFileSync(join(dir, 'rules.yaml'), RULES(failing.url))
    // One after the other: three cold starts at once can take long on a busy machine.
    for (const id of ['one', 'two', 'three']) apps.push(await startApp({
      env: {
        NUXT_REDIS_URL: redis.url,
        NUXT_INSTANCE_ID: id,
        NUXT_PUBLISH_TOKEN: PUBLISH_TOKEN,
        NUXT_METRICS_TOKEN: METRICS_TOKEN,
        NUXT_ALERT_RULES_FILE: join(dir, 'rules.yaml'),
        NUXT_ALERT_WEBHOOK_URL: hook.url,
        NUXT_ALERT_WEBHOOK_MAX_ATTEMPTS: '2',
      },
    }))
    for (const app of apps) await waitFor(async () => (await fetch(`${app.url}/health/sse`)).ok, { what: 'instance connected to Redis' })
    alerts = await SseStream.open(`${apps[0]!.url}/api/sse/dashboard?channels=alerts`)
  })

  afterAll(async () => {
    alerts?.close()
    await Promise.all(apps.map(app => app.stop()))
    await redis?.stop()
    for (const server of [hook?.server, failing?.server]) server?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const received = () => alerts.durable.map(e => JSON.parse(e.data) as { level: string, message: string, source: string })

  it('turns a collector\'s raw PUBLISH samples into one alert and one webhook per transition', async () => {
    const publisher = redis.client()
    const start = Date.parse('2026-12-01T10:00:00Z')
    const sample = (i: number, cpu: number, source = 'collector-web-1') => JSON.stringify({ source, host: 'web-1', cpu, memory: 40, rps: 5, activeConnections: 0, errorRate: 0, timestamp: new Date(start + i * 1000).toISOString() })
    // Two collectors on one host: one host-level alert, not two.
    for (let i = 0; i < 5; i++) {
      await publisher.publish('dashboard:metrics', sample(i, 97))
      await publisher.publish('dashboard:metrics', sample(i, 96, 'collector-web-1-b'))
    }
    await waitFor(() => hook.bodies.length >= 1, { what: 'the fired webhook' })
    await waitFor(() => received().some(a => a.level === 'critical'), { what: 'the fired alert on the stream' })
    for (let i = 5; i < 8; i++) await publisher.publish('dashboard:metrics', sample(i, 20))
    await waitFor(() => hook.bodies.length >= 2, { what: 'the cleared webhook' })
    await waitFor(() => received().some(a => a.level === 'info'), { what: 'the cleared alert on the stream' })

    // Each transition published once in the whole fleet. Raw samples and the log reach an
    // instance on two connections: one that reads the alert from the log before its own copy
    // of the sample takes the alert's state over and computes nothing, so `replayed` is 0–4.
    await waitFor(async () => await counterSum(apps, 'pulseboard_alert_transitions_total{result="published"}') === 2, { what: 'both transitions published' })
    await waitFor(async () => (await Promise.all(apps.map(snapshotAlertCount))).every(count => count === 2), { what: 'every instance holding both alerts' })
    expect(await counterSum(apps, 'pulseboard_alert_transitions_total{result="published"}')).toBe(2)
    expect(await counterSum(apps, 'pulseboard_alert_transitions_total{result="replayed"}')).toBeLessThanOrEqual(4)
    expect(received().map(a => a.message)).toEqual([
      'CPU at 97% is above 90% on host web-1 (reported by collector-web-1) for 3 samples [collector-cpu]',
      'CPU back to 20% on host web-1 (reported by collector-web-1): below the clear level 50% [collector-cpu]',
    ])
    expect(hook.bodies.map(b => b.state)).toEqual(['fired', 'cleared'])
    expect(hook.bodies[0]).toMatchObject({ alert: { source: 'collector-web-1', level: 'critical' }, subject: 'web-1', rule: { name: 'collector-cpu', clear: 50 } })
    expect(await counterSum(apps, 'pulseboard_alert_notifications_total{result="sent"}')).toBe(2)
  })

  it('applies rules to ingested samples too, and counts a webhook that keeps failing', async () => {
    const before = received().length
    const replayedBefore = await counterSum(apps, 'pulseboard_alert_transitions_total{result="replayed"}')
    for (let i = 0; i < 3; i++) {
      const result = await ingest(apps[i % 3]!.url, 'metrics', { source: 'ingest-api-1', cpu: 10, memory: 10, rps: 5000, activeConnections: 0, errorRate: 0 }, PUBLISH_TOKEN)
      expect(result.status).toBe(200)
    }
    await waitFor(() => received().length === before + 1, { what: 'one alert for the ingested samples' })
    expect(received().at(-1)).toMatchObject({ level: 'warning', source: 'ingest-api-1', message: 'Requests/s at 5000 is above 1000 on ingest-api-1 for 2 samples [busy]' })
    // The rule's own webhook answers 500: tried twice, then counted as failed (on the one instance that sends).
    await waitFor(async () => await counterSum(apps, 'pulseboard_alert_notifications_total{result="failed"}') === 1, { what: 'the failure counted' })
    expect(failing.bodies).toHaveLength(2)
    expect(await counterSum(apps, 'pulseboard_alert_notifications_total{result="retried"}')).toBe(1)
    // The global webhook got it as well, once.
    await waitFor(() => hook.bodies.length === 3, { what: 'the global webhook' })
    // Ingested samples and the alert share the log: every instance reads the sample first.
    await waitFor(async () => await counterSum(apps, 'pulseboard_alert_transitions_total{result="replayed"}') === replayedBefore + 2, { what: 'every instance computed the transition' })
    expect(await counterSum(apps, 'pulseboard_alert_transitions_total{result="published"}')).toBe(3)
    expect(received().length).toBe(before + 1)
  })
})
