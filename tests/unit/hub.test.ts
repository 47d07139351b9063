import { createServer } from 'node:http'
import type { Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryBroker } from '../../server/core/broker/memory-broker'
import { compareEventIds } from '../../server/core/broker/event-id'
import { Hub } from '../../server/core/hub'
import { createCounters } from '../../server/core/counters'
import { parseFilter } from '../../server/core/sse/filter'
import { readLastEventId } from '../../server/core/sse/last-event-id'
import type { Logger } from '../../server/core/logger'
import { SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const quiet: Logger = { info() {}, warn() {}, error() {} }
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A real HTTP server whose only route hands the response to the hub, like the Nitro route does. */
async function setup(maxQueueBytes = 1_048_576) {
  const broker = new MemoryBroker({ maxAgeMs: 600_000, maxEvents: 100_000 })
  const counters = createCounters()
  const hub = new Hub(broker, { heartbeatMs: 60_000, retryMs: 1000, maxQueueBytes }, counters, quiet)
  const responses: ServerResponse[] = []
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x')
    const filter = parseFilter(url.searchParams.get('channels') ?? undefined, url.searchParams.get('metrics') ?? undefined)
    const resume = readLastEventId(req.headers['last-event-id'] as string | undefined, url.searchParams.get('lastEventId') ?? undefined)
    if (!filter.ok || !resume.ok) return res.writeHead(400).end()
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    responses.push(res)
    void hub.attach(res, filter.filter, resume.id)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  cleanups.push(() => new Promise<void>((resolve) => {
    hub.shutdown()
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  const streams: SseStream[] = []
  const open = async (query = '', headers: Record<string, string> = {}) => {
    const stream = await SseStream.open(url + query, { headers })
    streams.push(stream)
    cleanups.push(() => stream.close())
    return stream
  }
  return { broker, hub, counters, responses, open }
}

const alert = (n: number, pad = 0) => JSON.stringify({ level: 'warning', message: `alert ${n} ${'x'.repeat(pad)}`, source: 's', timestamp: '2026-01-01T00:00:00.000Z' })
const metric = (source: string, n: number) => JSON.stringify({ source: source.padEnd(120, '.'), cpu: n % 100, memory: 1, rps: n, activeConnections: 1, errorRate: 0, timestamp: '2026-01-01T00:00:00.000Z' })

describe('hub', () => {
  it('sends each client only its channels, with metric projections', async () => {
    const { broker, open } = await setup()
    const alertsOnly = await open('?channels=alerts')
    const cpuOnly = await open('?channels=metrics&metrics=cpu')
    const everything = await open()
    await broker.publish('metrics', metric('a', 7))
    await broker.publish('alerts', alert(1))
    await everything.waitFor(e => e.filter(x => x.id).length === 2)
    await alertsOnly.waitFor(e => e.some(x => x.event === 'alert'))
    await cpuOnly.waitFor(e => e.some(x => x.event === 'metric-update'))
    expect(alertsOnly.durable.map(e => e.event)).toEqual(['alert'])
    expect(Object.keys(JSON.parse(cpuOnly.durable[0]!.data))).toEqual(['source', 'cpu', 'timestamp'])
    expect(Object.keys(JSON.parse(everything.durable[0]!.data))).toContain('memory')
  })

  it('resumes after Last-Event-ID with exactly the missed events, while events keep arriving', async () => {
    const { broker, open } = await setup()
    const ids: string[] = []
    for (let n = 0; n < 600; n++) ids.push(await broker.publish('alerts', alert(n)))
    const resumed = await open('', { 'last-event-id': ids[99]! })
    for (let n = 600; n < 700; n++) ids.push(await broker.publish('alerts', alert(n)))
    await resumed.waitFor(e => e.at(-1)?.id === ids.at(-1), 'the newest event')
    expect(resumed.durable.map(e => e.id)).toEqual(ids.slice(100))
  })

  it('sends reset for an unknown id, then continues live', async () => {
    const { broker, open } = await setup()
    await broker.publish('alerts', alert(0))
    const stream = await open('?lastEventId=1-0')
    const id = await broker.publish('alerts', alert(1))
    await stream.waitFor(e => e.some(x => x.id === id))
    expect(stream.events.filter(e => e.event !== 'heartbeat').map(e => e.event)).toEqual(['reset', 'alert'])
    expect(JSON.parse(stream.events[0]!.data)).toEqual({ reason: 'unknown-id' })
  })

  it('disconnects a client that stops reading once its bound is passed; others get everything and memory stays bounded', async () => {
    const bound = 64 * 1024
    const { broker, hub, counters, responses, open } = await setup(bound)
    const stalled = await open('?channels=alerts')
    const healthy = await open('?channels=alerts')
    stalled.pause()
    const ids: string[] = []
    let worst = 0
    for (let n = 0; n < 6000 && hub.size === 2; n++) {
      ids.push(await broker.publish('alerts', alert(n, 1500)))
      for (const res of responses) worst = Math.max(worst, res.writableLength)
      // Events arrive as I/O in production: yield so sockets flush (Node corks
      // HTTP writes until the next tick) and the healthy client reads.
      await new Promise(resolve => setImmediate(resolve))
    }
    await waitFor(() => counters.slowDisconnects === 1, { what: 'the stalled client to be dropped' })
    expect(hub.size).toBe(1)
    expect(worst).toBeLessThanOrEqual(bound + 2048)
    for (let n = 0; n < 10; n++) ids.push(await broker.publish('alerts', alert(n)))
    await healthy.waitFor(e => e.at(-1)?.id === ids.at(-1), 'all events on the healthy client')
    expect(healthy.durable.map(e => e.id)).toEqual(ids)
  })

  it('conflates metrics for a congested client (latest per source wins) but never drops alerts, and ids stay in order', async () => {
    const { broker, responses, open } = await setup(64 * 1024 * 1024)
    const slow = await open()
    slow.pause()
    const alerts: string[] = []
    let published = 0
    // Publish until the server side is congested, then a while longer.
    for (let n = 0; published < 200_000; n++) {
      await broker.publish('metrics', metric(n % 2 ? 'a' : 'b', n))
      published++
      if (n % 97 === 0) alerts.push(await broker.publish('alerts', alert(n)))
      if (n % 100 === 0) await new Promise(resolve => setImmediate(resolve))
      if (responses[0]!.writableNeedDrain && n % 1000 === 0 && published > 20_000) break
    }
    expect(responses[0]!.writableNeedDrain).toBe(true)
    alerts.push(await broker.publish('alerts', alert(-1)))
    const finalMetrics = [await broker.publish('metrics', metric('a', 1)), await broker.publish('metrics', metric('b', 2))]
    slow.resume()
    await slow.waitFor(e => e.some(x => x.id === finalMetrics[1]), 'the final metrics', 30_000)
    const ids = slow.durable.map(e => e.id!)
    for (let i = 1; i < ids.length; i++) expect(compareEventIds(ids[i - 1]!, ids[i]!)).toBeLessThan(0)
    expect(slow.durable.filter(e => e.event === 'alert').map(e => e.id)).toEqual(alerts)
    const metricsReceived = slow.durable.filter(e => e.event === 'metric-update')
    expect(metricsReceived.length).toBeLessThan(published)
    expect(metricsReceived.slice(-2).map(e => e.id)).toEqual(finalMetrics)
  })
})
