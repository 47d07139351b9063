// Latency: N clients, a steady stream of events (10/s by default), each
// stamped with its publish time (machine-wide monotonic µs) in the payload;
// every client records receive − publish for every event.
//
// The load clients share the machine's two cores with the server, and
// reading a thousand sockets per event costs them ~10 ms of CPU here (a read
// and its ACK are ~10 µs each on this VM): measured from inside them, that
// queueing would dominate what is measured. So a few probe connections,
// spread evenly through the server's client list (opened between the
// others), are read by a process of their own at normal priority, and the
// processes reading all the other clients run at nice 19: they still read
// every event (checked), in the CPU time the server and the probes leave,
// as browsers on other machines would. The probes' figures are the server's
// publish → client latency; the figures over all clients (which include the
// load clients' own queueing) are reported next to them.
import { Feeder } from '../lib/feeder.mjs'
import { LoadPool } from '../load/pool.mjs'
import { startServer } from '../lib/servers.mjs'
import { latencySummary } from '../lib/stats.mjs'
import { sleep, waitFor } from '../lib/wait.mjs'

/** Normal clients in two processes, and `probes` of them interleaved in a third. */
export class LatencyClients {
  constructor(probes) {
    this.probeCount = probes
    this.bulk = new LoadPool(2)
    this.bulk.deprioritize()
    this.probes = new LoadPool(1)
  }

  /** Opens `clients` connections, every (clients / probes)-th one a probe. */
  async open(target, clients) {
    let failed = 0
    let opened = 0
    for (let round = 0; round < this.probeCount; round++) {
      const upTo = Math.round(((round + 1) * (clients - this.probeCount)) / this.probeCount)
      failed += (await this.bulk.open(target, upTo - opened)).failed
      opened = upTo
      failed += (await this.probes.open(target, 1)).failed
    }
    return { failed }
  }

  all(method, ...args) {
    return Promise.all([this.bulk[method](...args), this.probes[method](...args)])
  }

  stop() {
    return this.all('stop')
  }
}

/**
 * Streams events to connected clients; latency of the probes and of every
 * (reading) client, and the server's CPU time over the stream (from its
 * start until the last event reached everyone).
 */
export async function streamAndMeasure(clients, feeder, { count, perSecond, seconds, server }) {
  await clients.all('reset')
  await clients.all('latency', true)
  const cpuBefore = server?.cpuSeconds()
  const stream = feeder.stream(perSecond)
  await sleep(seconds * 1000)
  const sent = await stream.stop()
  const expected = count * sent
  // Let the last event reach everyone before reading the samples.
  await waitFor(async () => {
    const [bulk, probes] = await clients.all('stats', { activeOnly: true })
    return bulk.delivered + probes.delivered >= expected
  }, { timeout: 10_000, what: 'the last events' }).catch(() => {})
  const serverCpuSeconds = server ? server.cpuSeconds() - cpuBefore : undefined
  const [bulkStats, probeStats] = await clients.all('stats')
  const deliveries = bulkStats.delivered + probeStats.delivered
  const [bulk, probes] = await clients.all('samples')
  await clients.all('latency', false)
  const everyone = new Float64Array(bulk.length + probes.length)
  everyone.set(bulk)
  everyone.set(probes, bulk.length)
  return { ...latencySummary(probes), probes: clients.probeCount, expectedProbeSamples: clients.probeCount * sent, all: latencySummary(everyone), sent, deliveries, serverCpuSeconds }
}

/** One fresh server per client count. */
export async function latency(kind, { sizes, ...options }) {
  const results = []
  for (const clients of sizes) results.push(await latencyAt(kind, { ...options, clients }))
  return results
}

async function latencyAt(kind, { redis, nodeArgs, clients, probes, perSecond, seconds, warmupSeconds = 1 }) {
  const server = await startServer(kind, { redisUrl: redis.url, nodeArgs })
  const readers = new LatencyClients(probes)
  const feeder = new Feeder(redis.client, kind)
  try {
    const { failed } = await readers.open(server.target(['alerts']), clients)
    if (failed) throw new Error(`${kind}: ${failed} connections failed`)
    // Warm-up: the same stream, not recorded; its last events must have
    // arrived before the counters are zeroed, or they count as deliveries
    // of the measured stream (and its CPU time).
    if (warmupSeconds > 0) {
      await readers.all('reset')
      const warm = feeder.stream(perSecond)
      await sleep(warmupSeconds * 1000)
      const warmSent = await warm.stop()
      await waitFor(async () => {
        const [bulk, probes] = await readers.all('stats')
        return bulk.delivered + probes.delivered >= warmSent * clients
      }, { timeout: 10_000, what: 'the warm-up events' }).catch(() => {})
    }
    return { clients, perSecond, seconds, ...await streamAndMeasure(readers, feeder, { count: clients, perSecond, seconds, server }) }
  }
  finally {
    await readers.stop()
    await server.stop()
  }
}
