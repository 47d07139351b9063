// Slow clients: `normal` clients read a stream of alerts (the latency
// probe, 10 events/s) while `slow` clients subscribed to a bulk `logs` channel
// stop reading at once. The bulk stream (large events) pushes every stalled
// socket past what the kernel buffers (~4 MB here) and the server's own
// queue bound; then the server's RSS growth shows what the stalled clients
// cost, and the normal clients' latency shows whether they noticed.
import { Feeder } from '../lib/feeder.mjs'
import { LoadPool } from '../load/pool.mjs'
import { startServer } from '../lib/servers.mjs'
import { sleep } from '../lib/wait.mjs'
import { LatencyClients, streamAndMeasure } from './latency.mjs'

/** Pulseboard's per-client bound during the bench (its default, NUXT_SSE_MAX_QUEUE_BYTES). */
export const QUEUE_BOUND_BYTES = 1_048_576

export async function slow(kind, { redis, nodeArgs, normal, probes, slowClients, seconds, perSecond, bulkPerSecond, bulkBytes }) {
  const server = await startServer(kind, { redisUrl: redis.url, nodeArgs, extraEnv: { NUXT_SSE_MAX_QUEUE_BYTES: String(QUEUE_BOUND_BYTES) } })
  const readers = new LatencyClients(probes)
  const slowPool = new LoadPool(1)
  const feeder = new Feeder(redis.client, kind)
  const bulkFeeder = new Feeder(redis.client, kind)
  try {
    const opened = await readers.open(server.target(['alerts']), normal)
    const stalled = await slowPool.open(server.target(['logs']), slowClients)
    if (opened.failed || stalled.failed) throw new Error(`${kind}: connections failed`)
    await slowPool.pause(slowClients)
    await sleep(500)
    const baselineRss = server.rss()
    let peakRss = baselineRss
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, server.rss())
    }, 100)
    const bulk = bulkFeeder.stream(bulkPerSecond, { channel: 'logs', bytes: bulkBytes })
    const measured = await streamAndMeasure(readers, feeder, { count: normal, perSecond, seconds })
    const bulkSent = await bulk.stop()
    clearInterval(sampler)
    peakRss = Math.max(peakRss, server.rss())
    return {
      normal,
      slow: slowClients,
      seconds,
      bulkBytesPerSlowClient: bulkSent * bulkBytes,
      baselineRss,
      peakRss,
      rssGrowth: peakRss - baselineRss,
      growthPerSlowClient: Math.round((peakRss - baselineRss) / slowClients),
      slowDisconnects: await slowDisconnects(server),
      latency: measured,
    }
  }
  finally {
    await Promise.all([readers.stop(), slowPool.stop()])
    await server.stop()
  }
}

/** Pulseboard counts the clients it cut off; the references have no such notion. */
async function slowDisconnects(server) {
  if (server.kind !== 'pulseboard') return null
  const stats = await (await fetch(`${server.base}/api/sse/stats`)).json()
  return stats.slowDisconnects
}
