import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrokerMessage } from '../../server/core/broker/types'
import { RedisBroker } from '../../server/core/broker/redis-broker'
import type { FleetAlerts } from '../../server/core/alerts/fleet-alerts'
import { createFleetAlerts } from '../../server/core/alerts/fleet-alerts'
import type { AlertRule } from '../../server/core/alerts/rules'
import { createWebhookNotifier } from '../../server/core/alerts/webhook-notifier'
import type { Logger } from '../../server/core/logger'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { readLogWindow } from '../../server/core/log-window'
import { waitFor } from '../helpers/wait'

/**
 * Once per cluster: three instances' engines on one redis-server, each
 * evaluating every sample it receives and publishing every transition it
 * computes under the sample-derived key. The log and the webhook must see
 * each transition once.
 */
const quiet: Logger = { info() {}, warn() {}, error() {} }
const PREFIX = 'cluster'
const rules: AlertRule[] = [
  { name: 'cpu-high', metric: 'cpu', comparison: '>', threshold: 80, holdSamples: 3, clear: 40, level: 'critical', scope: 'host' },
  { name: 'quiet', metric: 'rps', comparison: '<', threshold: 1, holdSamples: 2, clear: 5, level: 'warning', scope: 'source', source: 'edge-*' },
]

interface Instance {
  broker: RedisBroker
  fleet: FleetAlerts
  alerts: BrokerMessage[]
  /** Holds this instance's alert publishes until the returned function is called (a slow instance). */
  holdPublishes: () => () => void
}

let redis: RedisServer
let webhook: Server
const hooks: { state: string, alert: { message: string } }[] = []
const instances: Instance[] = []

beforeAll(async () => {
  redis = await startRedis()
  webhook = createServer((req, res) => {
    let text = ''
    req.on('data', chunk => (text += chunk))
    req.on('end', () => {
      hooks.push(JSON.parse(text) as typeof hooks[number])
      res.end()
    })
  })
  await new Promise<void>(resolve => webhook.listen(0, '127.0.0.1', resolve))
  hookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/`
  for (let i = 0; i < 3; i++) await startInstance(i)
})

let hookUrl = ''

/** One instance's broker and alert engine, reading the retained alerts at start as the plugin does. */
async function startInstance(i: number): Promise<Instance> {
  {
    const url = hookUrl
    const broker = new RedisBroker({ target: { kind: 'single', url: redis.url }, prefix: PREFIX, retention: { maxAgeMs: 600_000, maxEvents: 10_000 }, limits: { eventMaxBytes: 16_384, idempotencyTtlS: 600 }, logger: quiet, commandTimeoutMs: 1000, readerBlockMs: 250 })
    let held: Promise<void> = Promise.resolve()
    const notifier = createWebhookNotifier({ timeoutMs: 2000, maxAttempts: 3, queueSize: 100, instanceId: `i${i}`, logger: quiet })
    const fleet = createFleetAlerts({
      rules,
      webhook: { url, format: 'json' },
      maxTracked: 1000,
      forgetAfterMs: 600_000,
      notifier,
      logger: quiet,
      publish: async (json, idempotencyKey) => {
        await held
        return broker.publishBatch('alerts', [json], { idempotencyKey })
      },
    })
    const holdPublishes = () => {
      let release!: () => void
      held = new Promise(resolve => (release = resolve))
      return release
    }
    const instance: Instance = { broker, fleet, alerts: [], holdPublishes }
    broker.setConsumer((message) => {
      if (message.channel === 'alerts') instance.alerts.push(message)
      fleet.observe(message)
    })
    const primed = fleet.prime(async (from, apply) => {
      await waitFor(() => broker.state() === 'ready', { what: 'broker ready' })
      return readLogWindow(broker, from, apply, 500)
    }, Date.now() - 600_000)
    broker.start()
    instances.push(instance)
    await primed
    return instance
  }
}

afterAll(async () => {
  await Promise.all(instances.map(i => i.broker.close()))
  webhook?.closeAllConnections()
  webhook?.close()
  await redis?.stop()
})

let second = 0
function metric(source: string, values: { cpu?: number, rps?: number }, host?: string): string {
  second++
  return JSON.stringify({ source, ...(host ? { host } : {}), cpu: 10, memory: 10, rps: 50, activeConnections: 0, errorRate: 0, ...values, timestamp: new Date(Date.UTC(2026, 11, 1, 12, 0, second)).toISOString() })
}

const messages = () => instances[0]!.alerts.map(a => (JSON.parse(a.json) as { message: string }).message)
const totals = (list: Instance[]) => ({
  published: list.reduce((sum, i) => sum + i.fleet.counts.published, 0),
  replayed: list.reduce((sum, i) => sum + i.fleet.counts.replayed, 0),
})

describe('alert rules, once per cluster (three instances, one Redis)', () => {
  it('publishes and notifies each transition of durable samples once, from samples any instance published', async () => {
    // Two instances on host h1 report its CPU (host scope), published by different instances.
    for (let n = 0; n < 4; n++) {
      await instances[n % 3]!.broker.publish('metrics', metric('h1-a', { cpu: 95 }, 'h1'))
      await instances[(n + 1) % 3]!.broker.publish('metrics', metric('h1-b', { cpu: 96 }, 'h1'))
    }
    for (let n = 0; n < 2; n++) await instances[2]!.broker.publish('metrics', metric('h1-a', { cpu: 20 }, 'h1'))
    await waitFor(() => instances.every(i => i.fleet.counts.published + i.fleet.counts.replayed === 2), { what: 'every instance computed both transitions' })
    await waitFor(() => hooks.length >= 2, { what: 'webhooks' })
    expect(instances.reduce((sum, i) => sum + i.fleet.counts.published, 0)).toBe(2)
    expect(instances.reduce((sum, i) => sum + i.fleet.counts.replayed, 0)).toBe(4)
    await waitFor(() => instances.every(i => i.alerts.length === 2), { what: 'both alerts on every instance' })
    expect(messages()).toEqual([
      'CPU at 95% is above 80% on host h1 (reported by h1-a) for 3 samples [cpu-high]',
      'CPU back to 20% on host h1 (reported by h1-a): below the clear level 40% [cpu-high]',
    ])
    expect(hooks.map(h => h.state)).toEqual(['fired', 'cleared'])
  })

  it('does the same for raw PUBLISH samples, keyed by their source and timestamp', async () => {
    const client = redis.client()
    for (const rps of [0, 0, 0, 9]) await client.publish(`${PREFIX}:metrics`, metric('edge-7', { rps }))
    await waitFor(() => instances.every(i => i.fleet.counts.published + i.fleet.counts.replayed === 4), { what: 'every instance computed the raw transitions' })
    await waitFor(() => hooks.length >= 4, { what: 'webhooks' })
    await waitFor(() => instances.every(i => i.alerts.length === 4), { what: 'the alerts on every instance' })
    expect(instances.reduce((sum, i) => sum + i.fleet.counts.published, 0)).toBe(4)
    expect(messages().slice(2)).toEqual([
      'Requests/s at 0 is below 1 on edge-7 for 2 samples [quiet]',
      'Requests/s back to 9 on edge-7: above the clear level 5 [quiet]',
    ])
    expect(hooks).toHaveLength(4)
  })

  it('an instance started while a condition builds up fires it on the same sample, under the same key, as the others', async () => {
    const all = () => instances.slice(0, 4)
    const before = totals(instances.slice(0, 3))
    const alertsBefore = instances[0]!.alerts.length
    const hooksBefore = hooks.length
    const publisher = instances[0]!.broker
    await publisher.publish('metrics', metric('h2-a', { cpu: 99 }, 'h2'))
    await publisher.publish('metrics', metric('h2-a', { cpu: 99 }, 'h2'))
    // The three that saw the condition start are slow to publish: the late one
    // gets more samples before their transition is visible (a loaded cluster).
    const releases = instances.slice(0, 3).map(i => i.holdPublishes())
    const late = await startInstance(3)
    for (let n = 0; n < 3; n++) await publisher.publish('metrics', metric('h2-a', { cpu: 99 }, 'h2'))
    await waitFor(() => late.fleet.counts.published + late.fleet.counts.replayed === 1, { what: 'the late instance computing the fired transition' })
    for (const release of releases) release()
    await publisher.publish('metrics', metric('h2-a', { cpu: 10 }, 'h2'))
    await waitFor(() => totals(all()).published + totals(all()).replayed === before.published + before.replayed + 8, { what: 'fired and cleared computed by all four' })
    // What users see: each transition once in the log and once at the webhook,
    // whichever instance's publish came first.
    expect(totals(all()).published - before.published).toBe(2)
    await waitFor(() => instances[0]!.alerts.length === alertsBefore + 2, { what: 'both alerts in the log' })
    expect(messages().slice(alertsBefore).map(m => m.split(' on ')[0])).toEqual(['CPU at 99% is above 80%', 'CPU back to 10%'])
    await waitFor(() => hooks.length === hooksBefore + 2, { what: 'one webhook per transition' })
    expect(hooks.slice(hooksBefore).map(h => h.state).sort()).toEqual(['cleared', 'fired'])
  })

  it('an instance restarted while an alert fires reads it from the log and does not fire it again', async () => {
    const alertsBefore = instances[0]!.alerts.length
    const publisher = instances[0]!.broker
    for (let n = 0; n < 3; n++) await publisher.publish('metrics', metric('h3-a', { cpu: 99 }, 'h3'))
    await waitFor(() => instances[0]!.alerts.length === alertsBefore + 1, { what: 'the fired alert' })
    const restarted = await startInstance(4)
    for (let n = 0; n < 4; n++) await publisher.publish('metrics', metric('h3-a', { cpu: 99 }, 'h3'))
    await publisher.publish('metrics', metric('h3-a', { cpu: 10 }, 'h3'))
    await waitFor(() => restarted.fleet.counts.published + restarted.fleet.counts.replayed === 1, { what: 'the clear on the restarted instance' })
    await waitFor(() => instances[0]!.alerts.length === alertsBefore + 2, { what: 'the clear in the log' })
    expect(restarted.alerts).toHaveLength(1)
    expect(messages().slice(alertsBefore).map(m => m.split(' on ')[0])).toEqual(['CPU at 99% is above 80%', 'CPU back to 10%'])
  })
})

describe('priming at start', () => {
  it('does not evaluate a held live sample again when the log read already covered it', async () => {
    const published: string[] = []
    const fleet = createFleetAlerts({
      rules,
      maxTracked: 1000,
      forgetAfterMs: 600_000,
      notifier: createWebhookNotifier({ timeoutMs: 2000, maxAttempts: 1, queueSize: 10, instanceId: 'prime', logger: quiet }),
      logger: quiet,
      publish: async (json) => {
        published.push(json)
        return { replayed: false }
      },
    })
    const sample = (n: number): BrokerMessage => ({ id: `${1000 + n}-0`, channel: 'metrics', json: JSON.stringify({ source: 'web-1', cpu: 95, memory: 10, rps: 50, activeConnections: 0, errorRate: 0, timestamp: new Date(Date.UTC(2026, 11, 1, 13, 0, n)).toISOString() }) })
    // Two hot samples in the log; the second also arrives live while the log is read.
    await fleet.prime(async (_from, apply) => {
      apply(sample(1))
      fleet.observe(sample(2))
      apply(sample(2))
      return sample(2).id!
    }, 0)
    // Counted twice, that would have been the third sample of the streak.
    expect(published).toEqual([])
    fleet.observe(sample(3))
    await waitFor(() => published.length === 1, { what: 'the alert on the real third sample' })
  })
})
