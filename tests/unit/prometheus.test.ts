import { createServer, get } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { readPulseConfig } from '../../server/core/config'
import type { Pulse } from '../../server/core/pulse'
import { createPulse } from '../../server/core/pulse'
import { createPrometheusExporter } from '../../server/core/prometheus'
import { parseFilter } from '../../server/core/sse/filter'
import { waitFor } from '../helpers/wait'

/** `name{labels} value` lines of the exposition text, keyed by everything before the value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const cut = line.lastIndexOf(' ')
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)))
  }
  return out
}

/** A real HTTP server whose only route hands the socket to the hub, as the SSE route does. */
async function serveStreams(pulse: Pulse): Promise<{ server: Server, open: () => Promise<IncomingMessage> }> {
  const filter = parseFilter(undefined, undefined)
  if (!filter.ok) throw new Error(filter.error)
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    void pulse.hub.attach(res, filter.filter, null)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { server, open: () => new Promise(resolve => get(`http://127.0.0.1:${port}/`, resolve)) }
}

describe('Prometheus exporter', () => {
  const cleanup: Array<() => unknown> = []
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step()
  })

  function start(defaultMetrics = false) {
    const pulse = createPulse(readPulseConfig({ instanceId: 'instance-a', sseHeartbeatMs: 60_000 }))
    pulse.broker.start()
    const clock = { now: Date.now() }
    const exporter = createPrometheusExporter(pulse, { defaultMetrics, now: () => clock.now })
    cleanup.push(() => pulse.close(), () => exporter.close())
    return { pulse, exporter, clock }
  }

  it('reads the core counters, the broker and the hub at scrape time', async () => {
    const { pulse, exporter } = start()
    const { server, open } = await serveStreams(pulse)
    cleanup.push(() => server.closeAllConnections(), () => new Promise(resolve => server.close(resolve)))
    const [first, second] = [await open(), await open()]
    cleanup.push(() => first.destroy(), () => second.destroy())
    await waitFor(() => pulse.hub.size === 2, { what: 'two streams in the hub' })

    expect(await pulse.publisher.publish('alerts', { level: 'critical', message: 'disk full' })).toMatchObject({ ok: true })
    expect(await pulse.publisher.publish('alerts', { level: 'info', message: 'disk fine' })).toMatchObject({ ok: true })
    expect(pulse.publisher.prepare('alerts', { level: 'nonsense' })).toMatchObject({ ok: false })
    pulse.counters.slowDisconnects = 3

    const text = await exporter.render()
    expect(exporter.contentType).toMatch(/^text\/plain; version=0\.0\.4/)
    const values = samples(text)
    expect(values.get('pulseboard_instance_info{instance_id="instance-a",broker="memory"}')).toBe(1)
    expect(values.get('pulseboard_sse_connections')).toBe(2)
    expect(values.get('pulseboard_events_published_total')).toBe(2)
    expect(values.get('pulseboard_events_delivered_total')).toBe(4)
    expect(values.get('pulseboard_invalid_events_total{stage="publish"}')).toBe(1)
    expect(values.get('pulseboard_invalid_events_total{stage="broker"}')).toBe(0)
    expect(values.get('pulseboard_slow_disconnects_total')).toBe(3)
    expect(values.get('pulseboard_broker_reconnects_total')).toBe(0)
    expect(values.get('pulseboard_broker_ready')).toBe(1)
    expect(text).toContain('# TYPE pulseboard_events_delivered_total counter')

    // A second scrape reports the new totals, not the sum of both scrapes.
    await pulse.publisher.publish('alerts', { level: 'info', message: 'third' })
    expect(samples(await exporter.render()).get('pulseboard_events_published_total')).toBe(3)
  })

  it('measures delivery lag from the time inside each durable id', async () => {
    const { pulse, exporter, clock } = start()
    clock.now = Date.now() + 2000
    await pulse.publisher.publish('logs', { level: 'info', message: 'late' })
    await pulse.broker.publishLive('logs', JSON.stringify({ level: 'info', message: 'live only, no id' }))
    const values = samples(await exporter.render())
    expect(values.get('pulseboard_broker_delivery_lag_seconds_count')).toBe(1)
    expect(values.get('pulseboard_broker_delivery_lag_seconds_bucket{le="1"}')).toBe(0)
    expect(values.get('pulseboard_broker_delivery_lag_seconds_bucket{le="2.5"}')).toBe(1)
  })

  it('reports a broker that is down', async () => {
    const { pulse, exporter } = start()
    await pulse.broker.close()
    expect(samples(await exporter.render()).get('pulseboard_broker_ready')).toBe(0)
  })

  it('adds the process and event-loop lag metrics of prom-client', async () => {
    const { exporter } = start(true)
    const text = await exporter.render()
    expect(text).toContain('# TYPE nodejs_eventloop_lag_p99_seconds gauge')
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge')
  })
})
