import { connect } from 'node:http2'
import type { ClientHttp2Session } from 'node:http2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Topology } from '../helpers/topology'
import { PUBLISH_TOKEN, startTopology } from '../helpers/topology'
import type { Transport } from '../helpers/resuming-client'
import { duplicateIds, http1Transport, http2Transport, ResumingStream } from '../helpers/resuming-client'
import type { IngestLoop } from '../helpers/ingest-loop'
import { startIngestLoop } from '../helpers/ingest-loop'
import { waitFor } from '../helpers/wait'

/** Durable channels that are never conflated: every id must arrive. */
const CHANNELS = ['alerts', 'logs', 'health']
const STREAM_PATH = `/api/sse/dashboard?channels=${CHANNELS.join(',')}`

/**
 * Faults under a steady publisher, seen through nginx by clients that
 * reconnect like browsers: half over HTTP/1.1, half as streams of one HTTP/2
 * session. Each test checks every client against the Redis log itself: from
 * its first event to the last accepted publish, it received exactly the
 * log's ids on its channels, in order: nothing lost, nothing twice.
 */
describe('faults behind nginx: zero lost, zero duplicated', () => {
  let topology: Topology
  let session: ClientHttp2Session
  let clients: ResumingStream[]

  beforeAll(async () => {
    topology = await startTopology({ appendOnly: true })
    session = connect(topology.nginx.httpsUrl, { ca: topology.nginx.certificate, servername: 'localhost' })
    session.on('error', () => {})
    const transports: Transport[] = [http1Transport(topology.nginx.httpUrl), http2Transport(session)]
    clients = Array.from({ length: 8 }, (_, n) => new ResumingStream(transports[n % 2]!, STREAM_PATH))
    await Promise.all(clients.map(c => c.waitForOpens(1)))
    await waitFor(async () => Object.values(await topology.connections()).every(count => count > 0), { what: 'clients on both instances' })
  })
  afterAll(async () => {
    await Promise.all(clients?.map(c => c.stop()) ?? [])
    session?.destroy()
    await topology?.stop()
  })

  /** Runs `fault` while a collector publishes, then checks every client against the log. */
  async function underLoad(fault: (loop: IngestLoop) => Promise<void>): Promise<IngestLoop> {
    const loop = startIngestLoop(topology.nginx.httpUrl, PUBLISH_TOKEN)
    try {
      await waitFor(() => loop.accepted.length >= 10, { what: 'publishing before the fault' })
      await fault(loop)
      const after = loop.accepted.length
      await waitFor(() => loop.accepted.length >= after + 10, { what: 'publishing after the fault' })
    }
    finally {
      await loop.stop()
    }
    for (const client of clients) await client.waitForIds(loop.accepted, 'every accepted event')
    const log = await topology.logIds(CHANNELS)
    const last = loop.accepted.at(-1)!
    for (const client of clients) {
      const twice = duplicateIds(client.ids)
      expect(twice, `${label(client)} got ${twice.join(', ')} twice:\n${twice.map(id => around(client, id)).join('\n')}`).toEqual([])
      const received = client.ids.slice(0, client.ids.indexOf(last) + 1)
      const start = log.indexOf(received[0]!)
      expect(start).toBeGreaterThanOrEqual(0)
      expect(received).toEqual(log.slice(start, log.indexOf(last) + 1))
    }
    return loop
  }

  const opens = () => clients.map(c => c.opens)
  /** What a client received around each copy of an id, for the failure message. */
  const around = (client: ResumingStream, id: string) => {
    const t0 = client.events[0]?.at ?? 0
    const lines = client.events.flatMap((e, n) => (e.id === id ? client.events.slice(Math.max(0, n - 3), n + 4).map(x => `  #${client.events.indexOf(x)} open ${x.open} +${x.at - t0}ms ${x.event} ${x.id ?? ''}${x.id === id ? '  <==' : ''}`) : []))
    return `resumed from ${JSON.stringify(client.resumedFrom)}\n${lines.join('\n')}`
  }
  const label = (client: ResumingStream) => `client ${clients.indexOf(client)} (${clients.indexOf(client) % 2 ? 'HTTP/2' : 'HTTP/1.1'}, ${client.opens} opens)`

  it('kill -9 of one instance mid-stream: its clients resume on the other through nginx', async () => {
    const [victim, survivor] = topology.instances
    const before = opens()
    const onVictim = (await topology.connections())[victim!.id]!
    expect(onVictim).toBeGreaterThan(0)
    await underLoad(async () => {
      await victim!.app!.stop('SIGKILL')
      await waitFor(async () => (await topology.connections())[survivor!.id] === clients.length, { what: 'every client on the survivor within a few seconds' })
    })
    const moved = clients.filter((c, n) => c.opens > before[n]!)
    expect(moved).toHaveLength(onVictim)
    // nginx never showed a client the dead instance: no 502, no failed open.
    expect(clients.flatMap(c => c.failures)).toEqual([])
  })

  it('rolling restart (SIGTERM each instance in turn): every client moves, none lost', async () => {
    await topology.restartStopped()
    for (const instance of [...topology.instances].reverse()) {
      const other = topology.instances.find(i => i !== instance)!
      const before = opens()
      const holding = (await topology.connections())[instance.id]!
      await underLoad(async () => {
        expect(await instance.app!.stop('SIGTERM')).toBe(0)
        await waitFor(async () => (await topology.connections())[other.id] === clients.length, { what: `every client on ${other.id} within a few seconds` })
      })
      expect(clients.filter((c, n) => c.opens > before[n]!)).toHaveLength(holding)
      await topology.restart(instance)
    }
    expect(clients.flatMap(c => c.failures)).toEqual([])
  })

  it('Redis killed and restarted: both instances report it, recover by themselves, and lose nothing', async () => {
    await topology.restartStopped()
    const before = opens()
    const health = (url: string) => fetch(`${url}/health/sse`).then(r => r.status, () => 0)
    const urls = topology.instances.map(i => i.app!.url)
    const loop = await underLoad(async (publishing) => {
      await topology.redis.kill()
      await waitFor(async () => (await Promise.all(urls.map(health))).every(s => s === 503), { what: 'both /health/sse at 503' })
      const refusedBefore = publishing.refused.length
      await waitFor(() => publishing.refused.length > refusedBefore, { what: 'the ingest API refusing while Redis is away' })
      await topology.redis.restart()
      await waitFor(async () => (await Promise.all(urls.map(health))).every(s => s === 200), { what: 'both /health/sse back at 200', timeout: 20_000 })
    })
    // Refused with 503 while Redis was away (and at most rate-limited otherwise), never failed.
    expect(loop.refused).toContain(503)
    expect(loop.refused.filter(status => status !== 503 && status !== 429)).toEqual([])
    // The instances stayed up: no client had to reconnect.
    expect(opens()).toEqual(before)
  })
})
