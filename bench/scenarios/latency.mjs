// Latency: N clients, a steady stream of events (10/s by default), each
// stamped with its publish time (machine-wide monotonic µs) in the payload;
// every client records receive − publish for every event.
import { Feeder } from '../lib/feeder.mjs'
import { LoadPool } from '../load/pool.mjs'
import { startServer } from '../lib/servers.mjs'
import { latencySummary } from '../lib/stats.mjs'
import { sleep, waitFor } from '../lib/wait.mjs'

/** Streams events to already connected clients and returns the latency summary of the normal (reading) ones. */
export async function streamAndMeasure(pool, feeder, { clients, perSecond, seconds }) {
  await pool.reset()
  await pool.latency(true)
  const stream = feeder.stream(perSecond)
  await sleep(seconds * 1000)
  const sent = await stream.stop()
  const expected = clients * sent
  // Let the last event reach everyone before reading the samples.
  await waitFor(async () => (await pool.stats({ activeOnly: true })).delivered >= expected, { timeout: 10_000, what: 'the last events' }).catch(() => {})
  const samples = await pool.samples()
  await pool.latency(false)
  return { ...latencySummary(samples), expectedSamples: expected }
}

export async function latency(kind, { redis, nodeArgs, clients, perSecond, seconds }) {
  const server = await startServer(kind, { redisUrl: redis.url, nodeArgs })
  const pool = new LoadPool(2)
  const feeder = new Feeder(redis.client, kind)
  try {
    const opened = await pool.open(server.target(['alerts']), clients)
    if (opened.failed) throw new Error(`${kind}: ${opened.failed} connections failed`)
    // Warm-up: one second of the same stream, not recorded.
    const warm = feeder.stream(perSecond)
    await sleep(1000)
    await warm.stop()
    return { clients, perSecond, seconds, ...await streamAndMeasure(pool, feeder, { clients, perSecond, seconds }) }
  }
  finally {
    await pool.stop()
    await server.stop()
  }
}
