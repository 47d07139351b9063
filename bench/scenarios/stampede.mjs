// Stampede: everybody opens the dashboard in the same second, as during an
// incident. Each viewer does what the browser does — GET / (the SSR page with
// the snapshot), GET /api/history for the 30-minute chart window up to the
// snapshot's id, then opens the stream from that id and waits for its first
// byte ("ready") — all at once, on an instance whose log holds 0, 20 or 100
// sources × 30 minutes of one-second metrics (written straight into the log
// before the instance starts, so it loads them like after a restart).
import { createHash } from 'node:crypto'
import { Agent, request } from 'node:http'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { parse as parsePayload } from 'devalue'
import { PULSEBOARD_PREFIX, startServer } from '../lib/servers.mjs'
import { percentile } from '../lib/stats.mjs'
import { sleep, waitFor } from '../lib/wait.mjs'

const WINDOW_MS = 30 * 60_000
/** What Chromium sends. */
const ACCEPT_ENCODING = 'gzip, deflate, br, zstd'

export async function stampede(kind, { redis, nodeArgs, viewers, sourceCounts, timeoutMs = 300_000 }) {
  if (!kind.startsWith('pulseboard')) return { skipped: 'the references have no page, snapshot or history' }
  const cases = []
  for (const sources of sourceCounts) {
    await redis.client.flushall()
    if (sources) await seedLog(redis.client, sources)
    cases.push(await stampedeOnce(kind, { redis, nodeArgs, viewers, sources, timeoutMs }))
  }
  return { viewers, cases }
}

/** `sources` × 30 minutes of one-second samples, ids in the past, as the Redis Function writes them. */
export async function seedLog(client, sources, minutes = WINDOW_MS / 60_000) {
  const end = Date.now() - 2000
  const start = end - minutes * 60_000 + 5000
  const walk = Array.from({ length: sources }, (_, i) => ({ cpu: 20 + (i % 50), memory: 40 + (i % 30) }))
  let pipeline = client.pipeline()
  let queued = 0
  for (let ms = start; ms <= end; ms += 1000) {
    for (let i = 0; i < sources; i++) {
      const w = walk[i]
      w.cpu = Math.min(100, Math.max(0, w.cpu + (Math.random() - 0.5) * 6))
      w.memory = Math.min(100, Math.max(0, w.memory + (Math.random() - 0.5) * 0.6))
      const metric = {
        source: `host-${i + 1}`,
        cpu: Math.round(w.cpu * 10) / 10,
        memory: Math.round(w.memory * 10) / 10,
        rps: Math.round((800 + w.cpu * 5 + Math.random() * 40) * 10) / 10,
        activeConnections: Math.round(50 + w.cpu),
        errorRate: Math.round(Math.random() * 50) / 100,
        timestamp: new Date(ms).toISOString(),
      }
      pipeline.xadd(`${PULSEBOARD_PREFIX}:log`, `${ms}-${i}`, 'c', 'metrics', 'd', JSON.stringify(metric))
      if (++queued % 5000 === 0) {
        await pipeline.exec()
        pipeline = client.pipeline()
      }
    }
  }
  await pipeline.exec()
}

async function stampedeOnce(kind, { redis, nodeArgs, viewers, sources, timeoutMs }) {
  const server = await startServer(kind, {
    redisUrl: redis.url,
    nodeArgs,
    // Room for 100 sources × 30 minutes in the retained log.
    extraEnv: { NUXT_LOG_MAX_EVENTS: '400000' },
  })
  try {
    await waitFor(async () => (await (await fetch(`${server.base}/api/snapshot`)).json()).complete, { timeout: 120_000, what: 'the snapshot warm-up' })
    // Builds with in-memory history say when it is loaded; older ones read the log per request.
    await waitFor(async () => {
      const { history } = await (await fetch(`${server.base}/api/sse/stats`)).json()
      return !history || history.loaded
    }, { timeout: 120_000, what: 'the chart history loaded' })
    // An instance that has served before: the first render loads and compiles the page's code.
    for (let i = 0; i < 3; i++) await viewer(server.base, timeoutMs)
    await sleep(1500)
    const statsBefore = await (await fetch(`${server.base}/api/sse/stats`)).json()
    const cpuBefore = server.cpuSeconds()
    const redisCpuBefore = await redisCpuSeconds(redis.client)
    const rssBefore = server.rss()
    let rssPeak = rssBefore
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, server.rss())
    }, 20)
    const started = performance.now()
    const results = await Promise.all(Array.from({ length: viewers }, (_, i) => viewer(server.base, timeoutMs, i === 0)))
    const wallSeconds = (performance.now() - started) / 1000
    clearInterval(sampler)
    rssPeak = Math.max(rssPeak, server.rss())
    const cpu = server.cpuSeconds() - cpuBefore
    const redisCpu = await redisCpuSeconds(redis.client) - redisCpuBefore
    const statsAfter = await (await fetch(`${server.base}/api/sse/stats`)).json()
    const ok = results.filter(r => !r.error)
    const ready = Float64Array.from(ok.map(r => r.readyMs)).sort()
    const mean = pick => ok.reduce((sum, r) => sum + pick(r), 0) / (ok.length || 1)
    return {
      sources,
      viewers,
      completed: ok.length,
      failed: results.length - ok.length,
      errors: [...new Set(results.filter(r => r.error).map(r => r.error))].slice(0, 3),
      readyP50Ms: percentile(ready, 50),
      readyP99Ms: percentile(ready, 99),
      pageP50Ms: percentile(Float64Array.from(ok.map(r => r.pageMs)).sort(), 50),
      historyP50Ms: percentile(Float64Array.from(ok.map(r => r.historyMs)).sort(), 50),
      wallSeconds,
      cpuSeconds: cpu,
      cpuMsPerViewer: (cpu * 1000) / viewers,
      bytesPerViewer: mean(r => r.bytes),
      pageBytes: mean(r => r.pageBytes),
      historyBytes: mean(r => r.historyBytes),
      historySamplesOrBuckets: results[0]?.historyPoints ?? 0,
      peakRssGrowth: rssPeak - rssBefore,
      rssBefore,
      redisCpuSeconds: redisCpu,
      answers: statsAfter.answers && statsBefore.answers
        ? { computed: statsAfter.answers.computed - statsBefore.answers.computed, shared: statsAfter.answers.shared - statsBefore.answers.shared }
        : null,
    }
  }
  finally {
    await server.stop()
  }
}

async function redisCpuSeconds(client) {
  const info = await client.info('cpu')
  const read = name => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0)
  return read('used_cpu_sys') + read('used_cpu_user')
}

/** One browser's worth of requests on one keep-alive connection; bytes counted as they came off the socket. */
async function viewer(base, timeoutMs, checkHistory = false) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  // Every socket this viewer used (a keep-alive connection may be replaced between requests).
  const sockets = new Set()
  agent.on('free', socket => sockets.add(socket))
  const started = performance.now()
  const timer = setTimeout(() => agent.destroy(), timeoutMs)
  let phase = 'page'
  try {
    const page = await get(`${base}/`, agent)
    phase = 'history'
    const pageMs = performance.now() - started
    const id = pageSnapshotId(page)
    const since = Date.now() - WINDOW_MS
    const history = await get(`${base}/api/history?channel=metrics&since=${since}${id ? `&until=${encodeURIComponent(id)}` : ''}`, agent)
    const historyMs = performance.now() - started
    phase = 'stream'
    const stream = await retriedOnReset(() => firstByte(`${base}/api/sse/dashboard${id ? `?lastEventId=${encodeURIComponent(id)}` : ''}`, agent))
    const readyMs = performance.now() - started
    sockets.add(stream.socket)
    const bytes = [...sockets].reduce((sum, socket) => sum + socket.bytesRead, 0)
    // Only the first viewer decodes its history (to count what it holds): a browser decodes on
    // its own CPU, and 500 decodes here would share the server's cores and measure the harness.
    const historyPoints = checkHistory ? countPoints(decoded(history)) : undefined
    return { readyMs, pageMs, historyMs, bytes, pageBytes: page.raw.length, historyBytes: history.raw.length, historyPoints }
  }
  catch (error) {
    return { error: `${phase}: ${error.message}${error.code ? ` (${error.code})` : ''}` }
  }
  finally {
    clearTimeout(timer)
    agent.destroy()
  }
}

/**
 * A GET as a browser does it: a request that meets a keep-alive connection
 * the server closed meanwhile (its idle timer can fire late under load, just
 * as the request arrives) is sent again once on a new connection.
 */
async function get(url, agent) {
  return retriedOnReset(() => getOnce(url, agent))
}

async function retriedOnReset(send) {
  try {
    return await send()
  }
  catch (error) {
    if (error.code !== 'ECONNRESET') throw error
    return send()
  }
}

function getOnce(url, agent) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { 'accept-encoding': ACCEPT_ENCODING } }, (res) => {
      const chunks = []
      res.on('data', chunk => chunks.push(chunk))
      res.on('end', () => {
        const raw = Buffer.concat(chunks)
        if (res.statusCode !== 200) return reject(new Error(`${new URL(url).pathname}: ${res.statusCode}`))
        resolve({ raw, coding: res.headers['content-encoding'] })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

function decoded({ raw, coding }) {
  return coding === 'br' ? brotliDecompressSync(raw) : coding === 'gzip' ? gunzipSync(raw) : raw
}

function firstByte(url, agent) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { 'accept-encoding': ACCEPT_ENCODING, 'accept': 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream: ${res.statusCode}`))
      res.on('error', reject)
      res.once('data', () => {
        resolve({ socket: res.socket })
        req.destroy()
      })
    })
    req.on('error', reject)
    req.end()
  })
}

/** Nuxt's payload types (its revive-payload plugin), read as plain values. */
const NUXT_REVIVERS = Object.fromEntries(['NuxtError', 'EmptyShallowRef', 'EmptyRef', 'ShallowRef', 'ShallowReactive', 'Ref', 'Reactive', 'Island']
  .map(type => [type, value => value]))

/**
 * Everybody in the same second gets the same page bytes: decode and parse
 * each distinct page once. A browser does this on its own CPU; 500 of them
 * here would share the server's two cores and be measured as its wait.
 */
const snapshotIds = new Map()
function pageSnapshotId(page) {
  const key = `${page.coding}:${createHash('sha1').update(page.raw).digest('hex')}`
  if (!snapshotIds.has(key)) snapshotIds.set(key, snapshotId(decoded(page).toString()))
  return snapshotIds.get(key)
}

/** The snapshot id the page's stream continues from, read from the SSR payload as the browser reads it. */
function snapshotId(html) {
  const match = /<script type="application\/json"[^>]*id="__NUXT_DATA__"[^>]*>([\s\S]*?)<\/script>/.exec(html)
  if (!match) throw new Error('no SSR payload in the page')
  const payload = parsePayload(match[1], NUXT_REVIVERS)
  return payload?.pinia?.dashboard?.lastEventId ?? null
}

/** Samples (old format) or buckets and exact samples (new format) in one history answer, for the report. */
function countPoints(body) {
  const history = JSON.parse(body.toString())
  if (Array.isArray(history.sources)) return history.sources.reduce((n, s) => n + s.b.length + s.t.length, 0)
  return Object.values(history.sources ?? {}).reduce((n, s) => n + s.t.length, 0)
}
