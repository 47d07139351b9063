// Wall screen: one Chromium tab (headless, 1920×1080) on the dashboard while
// a fleet of `sources` collectors publishes one metric sample each per
// second, after `historyMinutes` of history were written to the log. Measures
// the tab, not the server: main-thread busy share (CDP Performance.getMetrics
// TaskDuration per second of wall time), JS heap (after a forced GC) at the
// start and end of the measured window, DOM nodes, page height in the normal
// view and in kiosk mode, and the gzip size of the JavaScript loaded for `/`.
// Collectors write straight into the log the way FCALL collectors do
// (README, Publishing), spread over each second as independent hosts would.
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import { BASELINE_ENTRY, PULSEBOARD_PREFIX, startServer } from '../lib/servers.mjs'
import { sleep, waitFor } from '../lib/wait.mjs'

const CHROMIUM = process.env.PULSEBOARD_CHROMIUM ?? '/usr/bin/chromium'
const VIEWPORT = { width: 1920, height: 1080 }
/** Slices of each second the fleet's samples are spread over. */
const SLICES = 10

function sample(source, index, ms) {
  const wave = Math.sin((ms / 1000 + index * 7) / 40)
  const hot = index === 6
  return JSON.stringify({
    source,
    cpu: Math.round((hot ? 95 : 18 + (index * 37) % 35 + 8 * wave) * 10) / 10,
    memory: Math.round((35 + (index * 53) % 25 + 3 * wave) * 10) / 10,
    rps: Math.round(40 + (index * 29) % 120 + 15 * wave),
    activeConnections: 5 + (index * 11) % 40,
    errorRate: Math.round(Math.max(0, 0.1 + 0.1 * wave) * 100) / 100,
    timestamp: new Date(ms).toISOString(),
  })
}

async function publish(redis, jsons) {
  const pipeline = redis.pipeline()
  for (const json of jsons) pipeline.call('FCALL', 'pulseboard_publish', 1, `${PULSEBOARD_PREFIX}:log`, 'metrics', json)
  const results = await pipeline.exec()
  const failed = results.find(([error]) => error)
  if (failed) throw failed[0]
}

/**
 * Writes `minutes` of past samples for every source straight into the log,
 * oldest first, with ids at their own past times (as if the fleet had been
 * publishing all along; published now, they would all land in the last
 * minute of log time, where the chart history is cut). Before the instance
 * starts, so it loads them as after a restart.
 */
async function seedHistory(redis, sources, minutes) {
  const now = Date.now()
  let pipeline = redis.pipeline()
  let queued = 0
  for (let s = minutes * 60; s >= 1; s--) {
    const ms = now - s * 1000
    for (let i = 0; i < sources.length; i++) {
      pipeline.xadd(`${PULSEBOARD_PREFIX}:log`, `${ms}-${i}`, 'c', 'metrics', 'd', sample(sources[i], i, ms))
      if (++queued % 5000 === 0) {
        await pipeline.exec()
        pipeline = redis.pipeline()
      }
    }
  }
  await pipeline.exec()
}

/** One sample per source per second, in SLICES groups spread over the second. */
function startFleet(redis, sources) {
  let running = true
  let errors = 0
  const done = (async () => {
    const start = performance.now()
    for (let tick = 0; running; tick++) {
      const wait = start + tick * (1000 / SLICES) - performance.now()
      if (wait > 0) await sleep(wait)
      const slice = tick % SLICES
      const group = sources.map((source, i) => [source, i]).filter(([, i]) => i % SLICES === slice)
      await publish(redis, group.map(([source, i]) => sample(source, i, Date.now()))).catch(() => errors++)
    }
  })()
  return {
    async stop() {
      running = false
      await done
      return errors
    },
  }
}

async function metrics(cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics')
  return Object.fromEntries(list.map(m => [m.name, m.value]))
}

async function heapAfterGc(cdp) {
  await cdp.send('HeapProfiler.collectGarbage')
  return (await metrics(cdp)).JSHeapUsedSize
}

async function pageHeight(page) {
  return page.evaluate(() => document.documentElement.scrollHeight)
}

export async function wallscreen(kind, { redis, nodeArgs, sources: count, historyMinutes, seconds, warmupSeconds, log = () => {} }) {
  if (!kind.startsWith('pulseboard')) return { skipped: 'a browser scenario of the dashboard itself' }
  // The page's scripts as that build serves them (an earlier build: next to its server entry).
  const publicDir = kind === 'pulseboard-baseline' ? resolve(dirname(BASELINE_ENTRY), '../public') : resolve('.output/public')
  const sources = Array.from({ length: count }, (_, i) => `host-${i + 1}`)
  await redis.client.flushall()
  const seedStarted = performance.now()
  await seedHistory(redis.client, sources, historyMinutes)
  const seedSeconds = (performance.now() - seedStarted) / 1000
  const server = await startServer(kind, {
    redisUrl: redis.url,
    nodeArgs,
    extraEnv: {
      // The whole history stays in the log; the fleet's own alerts stay out of the way.
      NUXT_LOG_MAX_EVENTS: String(Math.max(100_000, count * historyMinutes * 60 * 2)),
      NUXT_ALERT_CPU_PERCENT: '100',
      NUXT_ALERT_MEMORY_PERCENT: '100',
      NUXT_ALERT_ERROR_RATE_PERCENT: '100',
    },
  })
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'] })
  let fleet = null
  try {
    // The instance has read the log (snapshot and chart history) before anybody looks.
    await waitFor(async () => (await (await fetch(`${server.base}/api/snapshot`)).json()).complete, { timeout: 180_000, what: 'the snapshot warm-up' })
    await waitFor(async () => {
      const { history } = await (await fetch(`${server.base}/api/sse/stats`)).json()
      return !history || history.loaded
    }, { timeout: 180_000, what: 'the chart history loaded' })
    fleet = startFleet(redis.client, sources)
    const context = await browser.newContext({ viewport: VIEWPORT })
    const page = await context.newPage()
    const scripts = new Set()
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script') scripts.add(new URL(response.url()).pathname)
    })
    await page.goto(server.base)
    await waitFor(async () => await page.getByTestId('connection').textContent() === 'Connected', { timeout: 60_000, what: 'the dashboard connected' })
    let jsGzipBytes = 0
    for (const path of scripts) jsGzipBytes += gzipSync(readFileSync(resolve(publicDir, `.${path}`))).length
    // Warm-up: history loaded, first draws done, every source seen live.
    await sleep(warmupSeconds * 1000)
    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable')
    const heapStart = await heapAfterGc(cdp)
    const first = await metrics(cdp)
    const startedAt = performance.now()
    const samples = []
    let previous = { ...first, at: startedAt }
    while (performance.now() - startedAt < seconds * 1000) {
      await sleep(Math.min(10_000, seconds * 1000 / 4))
      const now = await metrics(cdp)
      const at = performance.now()
      samples.push({ t: Math.round((at - startedAt) / 1000), busy: (now.TaskDuration - previous.TaskDuration) / ((at - previous.at) / 1000), heap: now.JSHeapUsedSize, nodes: now.Nodes })
      previous = { ...now, at }
    }
    const last = await metrics(cdp)
    const elapsed = (performance.now() - startedAt) / 1000
    const heapEnd = await heapAfterGc(cdp)
    const normalHeight = await pageHeight(page)
    const tiles = await page.locator('[data-testid="tile"]').count()
    await page.goto(`${server.base}/?kiosk`)
    await waitFor(async () => await page.getByTestId('connection').textContent() === 'Connected', { timeout: 60_000, what: 'kiosk connected' })
    await sleep(3000)
    const kioskHeight = await pageHeight(page)
    await context.close()
    const result = {
      sources: count,
      historyMinutes,
      seedSeconds,
      measuredSeconds: elapsed,
      mainThreadBusy: (last.TaskDuration - first.TaskDuration) / elapsed,
      scriptBusy: (last.ScriptDuration - first.ScriptDuration) / elapsed,
      layoutsPerSecond: (last.LayoutCount - first.LayoutCount) / elapsed,
      heapStart,
      heapEnd,
      heapChange: heapEnd / heapStart - 1,
      domNodesStart: first.Nodes,
      domNodesEnd: last.Nodes,
      domNodesMax: Math.max(first.Nodes, ...samples.map(s => s.nodes)),
      pageHeight: normalHeight,
      kioskHeight,
      screens: normalHeight / VIEWPORT.height,
      tiles,
      jsGzipBytes,
      samples,
    }
    log(`wallscreen (${kind}): ${count} sources, busy ${(result.mainThreadBusy * 100).toFixed(1)} % (script ${(result.scriptBusy * 100).toFixed(1)} %, ${result.layoutsPerSecond.toFixed(1)} layouts/s), heap ${(heapStart / 1e6).toFixed(1)} → ${(heapEnd / 1e6).toFixed(1)} MB (${(result.heapChange * 100).toFixed(1)} %), DOM ${first.Nodes} → ${last.Nodes}, page ${normalHeight} px, kiosk ${kioskHeight} px, JS ${(jsGzipBytes / 1024).toFixed(1)} KB gzip`)
    return result
  }
  finally {
    await fleet?.stop()
    await browser.close()
    await server.stop()
  }
}
