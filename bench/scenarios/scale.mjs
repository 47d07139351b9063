// Scale: how many concurrent streams instances hold with zero failures.
// Opens `perInstance` connections to each of `instances` processes of the
// same server (all on one Redis), then publishes one event and checks that
// every connection receives it: a connection counts as held only if it is
// open and live.
import { Feeder } from '../lib/feeder.mjs'
import { LoadPool } from '../load/pool.mjs'
import { startServer } from '../lib/servers.mjs'
import { waitFor } from '../lib/wait.mjs'

export async function holdConnections(kind, { redis, nodeArgs, instances, perInstance, timeoutMs = 30_000 }) {
  const servers = []
  const total = instances * perInstance
  const pool = LoadPool.forConnections(total)
  const feeder = new Feeder(redis.client, kind)
  try {
    for (let i = 0; i < instances; i++) servers.push(await startServer(kind, { redisUrl: redis.url, nodeArgs }))
    const started = performance.now()
    // Instances are filled one after the other, as a load balancer spreading
    // a growing fleet would; each gets the pool's full handshake budget.
    let failedOpens = 0
    for (const server of servers) failedOpens += (await pool.open(server.target(['alerts']), perInstance)).failed
    const connectSeconds = (performance.now() - started) / 1000
    await pool.reset(1)
    await feeder.publish()
    const stats = await waitFor(async () => {
      const s = await pool.stats()
      return s.reached >= s.open ? s : null
    }, { timeout: timeoutMs, what: `${total} deliveries` }).catch(() => pool.stats())
    return {
      instances,
      perInstance,
      attempted: total,
      held: stats.reached,
      failures: total - stats.reached,
      failedOpens,
      failureReasons: stats.closeReasons,
      connectSeconds,
      rssPerInstance: servers.map(server => server.rss()),
      openFilesPerInstance: servers.map(server => server.openFiles()),
    }
  }
  finally {
    await pool.stop()
    await Promise.all(servers.map(server => server.stop()))
  }
}

/** One instance as full as its 20,000 open files allow, then a cluster on one Redis. */
export async function scale(kind, { redis, nodeArgs, single, instances, perInstance }) {
  return {
    single: await holdConnections(kind, { redis, nodeArgs, instances: 1, perInstance: single }),
    cluster: await holdConnections(kind, { redis, nodeArgs, instances, perInstance }),
  }
}
