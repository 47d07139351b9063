// High availability, Pulseboard only (docs/DEPLOY.md "What WAIT costs"):
// 1. ingest throughput and latency on a primary with one replica, with
//    NUXT_REDIS_WAIT_REPLICAS 0 and 1 (what acknowledging only replicated
//    events costs per publish);
// 2. fan-out with three instances on a 3-primary Redis Cluster, clients
//    spread evenly over them. Skipped (with the reason) where no cluster can
//    be started.
import { Cluster, Redis } from 'ioredis'
import { Feeder } from '../lib/feeder.mjs'
import { startCluster, startReplicated } from '../lib/redis-topology.mjs'
import { startServer, PULSEBOARD_PREFIX } from '../lib/servers.mjs'
import { latencySummary } from '../lib/stats.mjs'
import { waitFor } from '../lib/wait.mjs'
import { LoadPool } from '../load/pool.mjs'

const TOKEN = 'bench-publish-token'
const INGEST_ENV = {
  NUXT_PUBLISH_TOKEN: TOKEN,
  // Every collector here comes from 127.0.0.1: lift the per-address ingest budget.
  NUXT_INGEST_RATE_PER_SECOND: '1000000',
  NUXT_INGEST_RATE_BURST: '1000000',
}

/** `collectors` concurrent collectors, each posting one alert after the other for `seconds`. */
async function measureIngest(base, { collectors, seconds }) {
  const samplesUs = []
  let failed = 0
  const deadline = performance.now() + seconds * 1000
  const body = JSON.stringify({ level: 'info', message: 'bench ingest', source: 'bench' })
  const collector = async () => {
    while (performance.now() < deadline) {
      const started = performance.now()
      const response = await fetch(`${base}/api/ingest/alerts`, { method: 'POST', headers: { 'authorization': `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body })
      await response.arrayBuffer()
      if (response.ok) samplesUs.push((performance.now() - started) * 1000)
      else failed++
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: collectors }, collector))
  const elapsed = (performance.now() - started) / 1000
  return { collectors, publishesPerSecond: Math.round(samplesUs.length / elapsed), failed, latency: latencySummary(samplesUs) }
}

/**
 * The cost of WAIT itself, without the app around it: one append after the
 * other on one connection, with and without `WAIT 1` behind it, in
 * alternating blocks so drift on a shared machine hits both alike.
 */
async function waitRoundTrips(url, { rounds = 10, perRound = 200 } = {}) {
  const redis = new Redis(url)
  const samples = { wait0: [], wait1: [] }
  try {
    for (let round = 0; round < rounds; round++) {
      for (const replicas of [0, 1]) {
        for (let i = 0; i < perRound; i++) {
          const started = performance.now()
          const pipeline = redis.pipeline().xadd('bench:wait', 'MAXLEN', '~', 1000, '*', 'd', 'x')
          if (replicas) pipeline.call('WAIT', 1, 500)
          await pipeline.exec()
          samples[`wait${replicas}`].push((performance.now() - started) * 1000)
        }
      }
    }
  }
  finally {
    redis.disconnect()
  }
  return { wait0: latencySummary(samples.wait0), wait1: latencySummary(samples.wait1) }
}

async function publishCost({ nodeArgs, collectors, seconds }) {
  const redis = await startReplicated()
  const out = {}
  try {
    out.redis = await waitRoundTrips(redis.url)
    for (const replicas of [0, 1]) {
      const server = await startServer('pulseboard', { redisUrl: redis.url, nodeArgs, extraEnv: { ...INGEST_ENV, NUXT_REDIS_WAIT_REPLICAS: String(replicas) } })
      try {
        await measureIngest(server.base, { collectors, seconds: Math.min(1, seconds) }) // warm-up
        out[`wait${replicas}`] = await measureIngest(server.base, { collectors, seconds })
      }
      finally {
        await server.stop()
      }
    }
  }
  finally {
    await redis.stop()
  }
  return out
}

async function clusterFanout({ nodeArgs, clients, events, instances = 3, timeoutMs = 60_000 }) {
  let cluster
  try {
    cluster = await startCluster()
  }
  catch (error) {
    return { skipped: `no Redis Cluster here: ${error.message}` }
  }
  const servers = []
  const pool = new LoadPool(2)
  const client = new Cluster(cluster.nodes, { lazyConnect: true })
  client.on('error', () => {})
  try {
    for (let i = 0; i < instances; i++) {
      servers.push(await startServer('pulseboard', { redisUrl: '', nodeArgs, extraEnv: { NUXT_REDIS_CLUSTER_NODES: cluster.nodeList } }))
    }
    const perInstance = Math.ceil(clients / instances)
    for (const server of servers) {
      const opened = await pool.open(server.target(['alerts']), perInstance)
      if (opened.failed) throw new Error(`${opened.failed} connections failed`)
    }
    const total = perInstance * instances
    await client.connect()
    const feeder = new Feeder(client, 'pulseboard', `{${PULSEBOARD_PREFIX}}:log`)
    const burst = async (count) => {
      await pool.reset(count)
      const startedUs = await feeder.burst(count)
      const stats = await waitFor(async () => {
        const s = await pool.stats()
        return s.reached === total ? s : null
      }, { timeout: timeoutMs, interval: 20, what: `${total} clients × ${count} events` }).catch(() => pool.stats())
      const secondsTaken = (stats.lastReachedUs - startedUs) / 1e6
      return { complete: stats.reached === total, seconds: secondsTaken, deliveriesPerSecond: stats.reached === total ? Math.round(total * count / secondsTaken) : 0 }
    }
    await burst(20)
    return { instances, clients: total, events, ...await burst(events) }
  }
  finally {
    client.disconnect()
    await pool.stop()
    await Promise.all(servers.map(server => server.stop()))
    await cluster.stop()
  }
}

export async function ha(kind, { nodeArgs, collectors, seconds, clients, events }) {
  if (kind !== 'pulseboard') return { skipped: 'Pulseboard only' }
  return {
    publish: await publishCost({ nodeArgs, collectors, seconds }),
    clusterFanout: await clusterFanout({ nodeArgs, clients, events }),
  }
}
