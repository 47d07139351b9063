// Memory: RSS of a fresh server process before and after N idle connections
// (no events at all, so nothing a burst allocated can inflate it: RSS never
// shrinks). Several sizes are measured in ascending order on the same fresh
// process; each figure is (RSS at N − RSS at 0) / N.
import { LoadPool } from '../load/pool.mjs'
import { startServer } from '../lib/servers.mjs'
import { sleep } from '../lib/wait.mjs'

/** Waits until RSS stops moving (two samples 250 ms apart within 0.5%), at most 5 s. */
async function settledRss(server) {
  let previous = server.rss()
  for (let i = 0; i < 20; i++) {
    await sleep(250)
    const current = server.rss()
    if (Math.abs(current - previous) <= previous * 0.005) return current
    previous = current
  }
  return previous
}

export async function memory(kind, { redis, nodeArgs, sizes }) {
  const server = await startServer(kind, { redisUrl: redis.url, nodeArgs })
  const pool = LoadPool.forConnections(Math.max(...sizes))
  const results = []
  try {
    const baseline = await settledRss(server)
    let connected = 0
    for (const size of sizes) {
      const opened = await pool.open(server.target(['alerts']), size - connected)
      connected += opened.ok
      if (opened.failed) throw new Error(`${kind}: ${opened.failed} connections failed`)
      const rss = await settledRss(server)
      results.push({ connections: size, baselineRss: baseline, rss, bytesPerConnection: Math.round((rss - baseline) / size) })
    }
  }
  finally {
    await pool.stop()
    await server.stop()
  }
  return results
}
