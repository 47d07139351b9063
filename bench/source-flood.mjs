// Memory against producer-chosen source names (README "Configuration",
// NUXT_MAX_SOURCES): one built instance on its own Redis, one metrics stream
// open, then 10,000 distinct sources by raw PUBLISH (3 samples each) and
// 10,000 more through the ingest API. Prints the instance's RSS before and
// after, what it tracks and what it refused.
//   node bench/source-flood.mjs [--entry .output/server/index.mjs] [--sources 10000]
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startRedis } from './lib/redis.mjs'
import { freePort } from './lib/ports.mjs'
import { rssBytes } from './lib/proc.mjs'
import { sleep, waitFor } from './lib/wait.mjs'

const { values } = parseArgs({ options: { entry: { type: 'string', default: '.output/server/index.mjs' }, sources: { type: 'string', default: '10000' } } })
const SOURCES = Number(values.sources)
const TOKEN = 'source-flood-publisher-token'
const metric = (source, i) => ({ source, cpu: i % 100, memory: 50, rps: 100, activeConnections: 5, errorRate: 0 })
const mb = bytes => Math.round(bytes / 1024 / 102.4) / 10

const redis = await startRedis()
const port = await freePort()
const env = { ...process.env, HOST: '127.0.0.1', PORT: String(port), NODE_ENV: 'production', NUXT_REDIS_URL: redis.url, NUXT_PUBLISH_TOKEN: TOKEN, NUXT_INGEST_RATE_PER_SECOND: '1000', NUXT_INGEST_RATE_BURST: '1000' }
for (const name of ['TEST', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID', 'NODE_OPTIONS']) delete env[name]
const proc = spawn(process.execPath, [resolve(values.entry)], { env, stdio: ['ignore', 'ignore', 'ignore'] })
const base = `http://127.0.0.1:${port}`
try {
  await waitFor(async () => (await fetch(`${base}/health/sse`)).ok, { what: 'instance ready' })
  let received = 0
  const stream = request(`${base}/api/sse/dashboard?channels=metrics`, res => res.on('data', (chunk) => {
    received += chunk.toString().split('event: metric-update').length - 1
  }))
  stream.end()
  const quiet = async () => {
    // Until the stream has been silent apart from the instance's own 1 Hz sample.
    for (let last = -1; ;) {
      await sleep(1500)
      if (received - last <= 2) return
      last = received
    }
  }
  await sleep(3000)
  const before = rssBytes(proc.pid)

  for (let round = 0; round < 3; round++) {
    const pipeline = redis.client.pipeline()
    for (let i = 0; i < SOURCES; i++) pipeline.publish('dashboard:metrics', JSON.stringify(metric(`raw-${i}`, round)))
    await pipeline.exec()
  }
  const statuses = {}
  for (let from = 0; from < SOURCES; from += 500) {
    const batch = Array.from({ length: Math.min(500, SOURCES - from) }, (_, i) => metric(`ingest-${from + i}`, i))
    const response = await fetch(`${base}/api/ingest/metrics`, { method: 'POST', headers: { 'authorization': `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(batch) })
    statuses[response.status] = (statuses[response.status] ?? 0) + 1
  }
  await quiet()
  const after = rssBytes(proc.pid)
  const stats = await (await fetch(`${base}/api/sse/stats`)).json()
  const snapshot = await (await fetch(`${base}/api/snapshot`)).json()
  console.log(JSON.stringify({
    entry: values.entry,
    sources: SOURCES,
    rssBeforeMB: mb(before),
    rssAfterMB: mb(after),
    rssGrowthMB: mb(after - before),
    ingestStatuses: statuses,
    streamedMetricEvents: received,
    snapshotMetrics: snapshot.metrics.length,
    tracked: stats.sources ?? null,
    sourcesRefused: stats.sourcesRefused ?? null,
  }, null, 2))
  stream.destroy()
}
finally {
  proc.kill('SIGTERM')
  await redis.stop()
}
