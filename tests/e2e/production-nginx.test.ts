import { rmSync } from 'node:fs'
import { get } from 'node:http'
import type { IncomingMessage } from 'node:http'
import { connect } from 'node:http2'
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { prepareNginx, testNginxConfig } from '../helpers/nginx'
import type { Topology } from '../helpers/topology'
import { METRICS_TOKEN, PUBLISH_TOKEN, startTopology } from '../helpers/topology'
import { ingest, SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

/** A GET without automatic decompression, to see what nginx really sent. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number, headers: IncomingMessage['headers'], body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    }).on('error', reject)
  })
}

describe('the shipped nginx configuration', () => {
  it('passes `nginx -t` (listeners and upstreams pointed at loopback, nothing else changed)', async () => {
    const prefix = await prepareNginx(['127.0.0.1:1', '127.0.0.1:2'])
    onTestFinished(() => rmSync(prefix.dir, { recursive: true, force: true }))
    const result = testNginxConfig(prefix)
    expect(result.output).toContain('syntax is ok')
    expect(result.output).toContain('test is successful')
    expect(result.ok).toBe(true)
  })

  it('and `nginx -t` does refuse a broken one (the check above can fail)', async () => {
    const prefix = await prepareNginx(['127.0.0.1:1', '127.0.0.1:2'], { extraHttpConfig: '    proxy_buffering sometimes;' })
    onTestFinished(() => rmSync(prefix.dir, { recursive: true, force: true }))
    const result = testNginxConfig(prefix)
    expect(result.ok).toBe(false)
    expect(result.output).toMatch(/invalid value "sometimes"/)
  })
})

describe('two instances behind nginx', () => {
  let topology: Topology
  beforeAll(async () => {
    // A: /metrics enabled and room for only 4 streams; B: /metrics disabled (the default), no small cap.
    topology = await startTopology({ env: (index): Record<string, string> => (index === 0 ? { NUXT_METRICS_TOKEN: METRICS_TOKEN, NUXT_SSE_MAX_CONNECTIONS: '4' } : {}) })
  })
  afterAll(async () => {
    await topology?.stop()
  })

  it('spreads HTTP/1.1 clients over both instances, and each client gets every event from both', async () => {
    const clients = await Promise.all(Array.from({ length: 6 }, () => SseStream.open(`${topology.nginx.httpUrl}/api/sse/dashboard`)))
    onTestFinished(() => clients.forEach(client => client.close()))
    const counts = await waitFor(async () => {
      const now = await topology.connections()
      return now['app-a']! + now['app-b']! === 6 ? now : null
    }, { what: 'six streams on the instances' })
    expect(counts['app-a']).toBeGreaterThan(0)
    expect(counts['app-b']).toBeGreaterThan(0)

    const ids: string[] = []
    for (let n = 0; n < 20; n++) {
      const { status, json } = await ingest(topology.nginx.httpUrl, 'alerts', { level: 'info', message: `spread ${n}` }, PUBLISH_TOKEN)
      expect(status).toBe(200)
      ids.push(...json.ids as string[])
    }
    for (const client of clients) {
      expect(client.status).toBe(200)
      await client.waitFor(events => ids.every(id => events.some(e => e.id === id)), 'the 20 alerts')
      // Exactly once each, in publish order (the instances' own alerts and other events may sit in between).
      expect(client.durable.filter(e => e.event === 'alert' && JSON.parse(e.data).message.startsWith('spread ')).map(e => e.id)).toEqual(ids)
      // Metrics of both instances arrive on every client, wherever it is connected.
      await client.waitFor(events => ['app-a', 'app-b'].every(source => events.some(e => e.event === 'metric-update' && JSON.parse(e.data).source === source)), 'metrics from both instances')
    }
  })

  it('passes streams through unbuffered and uncompressed, while compressing pages', async () => {
    const stream = await SseStream.open(`${topology.nginx.httpUrl}/api/sse/dashboard?channels=alerts`, { headers: { 'accept-encoding': 'gzip, deflate, br' } })
    onTestFinished(() => stream.close())
    expect(stream.status).toBe(200)
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/)
    expect(stream.headers['content-encoding']).toBeUndefined()
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform')
    // The retry hint and the `connected` comment are a few bytes: only an unbuffered proxy passes them on at once.
    await waitFor(() => stream.retry === 3000 && stream.comments.includes('connected'), { what: 'the first bytes of the stream' })

    const page = await rawGet(`${topology.nginx.httpUrl}/`, { 'accept-encoding': 'gzip' })
    expect(page.status).toBe(200)
    expect(page.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(page.body).toString()).toContain('<html')
  })

  it('carries at least 10 concurrent streams over one HTTP/2 connection, moving those a full instance refuses', async () => {
    await waitFor(async () => Object.values(await topology.connections()).every(count => count === 0), { what: 'earlier streams closed' })
    const session: ClientHttp2Session = connect(topology.nginx.httpsUrl, { ca: topology.nginx.certificate, servername: 'localhost' })
    onTestFinished(() => session.destroy())
    session.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve())
      session.once('error', reject)
    })
    expect(session.alpnProtocol).toBe('h2')

    const streams: Array<{ stream: ClientHttp2Stream, headers: IncomingHttpHeaders, body: string }> = []
    for (let n = 0; n < 12; n++) {
      const stream = session.request({ ':path': '/api/sse/dashboard?channels=alerts', 'accept': 'text/event-stream', 'accept-encoding': 'gzip' })
      stream.setEncoding('utf8')
      const entry = { stream, headers: {} as IncomingHttpHeaders, body: '' }
      stream.on('response', (headers) => {
        entry.headers = headers
      })
      stream.on('data', (chunk: string) => (entry.body += chunk))
      streams.push(entry)
    }
    await waitFor(() => streams.every(s => s.body.includes(': connected')), { what: '12 streams open' })
    const counts = await topology.connections()
    // A took what it had room for; nginx moved its 503s ("no free stream slot") to B.
    expect(counts).toEqual({ 'app-a': 4, 'app-b': 8 })

    const { json } = await ingest(topology.nginx.httpUrl, 'alerts', { level: 'critical', message: 'over http/2' }, PUBLISH_TOKEN)
    const [id] = json.ids as string[]
    await waitFor(() => streams.every(s => s.body.includes(`id: ${id}\n`)), { what: 'the alert on all 12 streams' })
    for (const { stream, headers } of streams) {
      expect(headers[':status']).toBe(200)
      expect(headers['content-type']).toMatch(/^text\/event-stream/)
      expect(headers['content-encoding']).toBeUndefined()
      // Open at the same time, all on this one session (one TCP connection).
      expect(stream.session).toBe(session)
      expect(stream.closed).toBe(false)
    }
  })

  it('keeps /metrics per instance: token-guarded on A, disabled on B, not served through nginx', async () => {
    const [a, b] = topology.instances.map(i => i.app!)
    const scraped = await fetch(`${a!.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    expect(scraped.status).toBe(200)
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await scraped.text()
    expect(text).toContain('pulseboard_instance_info{instance_id="app-a",broker="redis"} 1')
    expect(text).toMatch(/^pulseboard_broker_ready 1$/m)
    expect(text).toMatch(/^pulseboard_events_published_total \d+$/m)
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m)

    const anonymous = await fetch(`${a!.url}/metrics`)
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer')
    expect((await fetch(`${a!.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401)
    expect((await fetch(`${b!.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(404)
    expect((await fetch(`${topology.nginx.httpUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(404)
  })
})
