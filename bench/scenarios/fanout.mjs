// Fan-out: N connected clients, a burst of E ~150-byte events published at
// once; deliveries/s = N × E / (last client's last event − first publish).
import { Feeder } from '../lib/feeder.mjs'
import { LoadPool } from '../load/pool.mjs'
import { startServer } from '../lib/servers.mjs'
import { waitFor } from '../lib/wait.mjs'

/** Sends a burst and waits until every connection has all of it. */
async function measureBurst(pool, feeder, clients, events, timeoutMs) {
  await pool.reset(events)
  const cpuBefore = feeder.server.cpuSeconds()
  const startedUs = await feeder.burst(events)
  const stats = await waitFor(async () => {
    const s = await pool.stats()
    return s.reached === clients ? s : null
  }, { timeout: timeoutMs, interval: 20, what: `${clients} clients × ${events} events` }).catch(async () => pool.stats())
  const seconds = (stats.lastReachedUs - startedUs) / 1e6
  return {
    clients,
    events,
    complete: stats.reached === clients,
    delivered: stats.delivered,
    seconds,
    deliveriesPerSecond: stats.reached === clients ? Math.round(clients * events / seconds) : 0,
    serverCpuSeconds: feeder.server.cpuSeconds() - cpuBefore,
  }
}

/**
 * One fresh server; client counts in ascending order on the same process
 * (each step adds connections), a warm-up burst before each measured one.
 */
export async function fanout(kind, { redis, nodeArgs, steps, warmupEvents = 20, loadProcesses = 2, timeoutMs = 120_000 }) {
  const server = await startServer(kind, { redisUrl: redis.url, nodeArgs })
  const pool = new LoadPool(loadProcesses)
  const feeder = new Feeder(redis.client, kind)
  feeder.server = server
  const results = []
  try {
    let connected = 0
    for (const { clients, events } of steps) {
      const opened = await pool.open(server.target(['alerts']), clients - connected)
      connected += opened.ok
      if (opened.failed) throw new Error(`${kind}: ${opened.failed} connections failed`)
      await measureBurst(pool, feeder, clients, warmupEvents, timeoutMs)
      results.push(await measureBurst(pool, feeder, clients, events, timeoutMs))
    }
  }
  finally {
    await pool.stop()
    await server.stop()
  }
  return results
}
