#!/usr/bin/env node
// `npm run bench`: Pulseboard (the built app), the naive h3 port of a
// textbook SSE design, the node:http floor and the peers a Node developer
// would pick instead (Socket.IO with its Redis adapter, better-sse), measured
// side by side in one run, each scenario repeated --runs times on fresh processes. Writes
// <out>/results.json (raw), <out>/RESULTS.md (medians, ranges, ratios) and
// <out>/bench.svg (chart).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { readOptions } from './lib/args.mjs'
import { renderChart } from './lib/chart.mjs'
import { cpuPressure, loadAverage, machineMeta } from './lib/meta.mjs'
import { startRedis } from './lib/redis.mjs'
import { markdownReport, summarize } from './lib/report.mjs'
import { PULSEBOARD_ENTRY, takesPart } from './lib/servers.mjs'
import { fanout } from './scenarios/fanout.mjs'
import { ha } from './scenarios/ha.mjs'
import { latency } from './scenarios/latency.mjs'
import { memory } from './scenarios/memory.mjs'
import { scale } from './scenarios/scale.mjs'
import { slow } from './scenarios/slow.mjs'
import { storm } from './scenarios/storm.mjs'
import { stampede } from './scenarios/stampede.mjs'
import { wallscreen } from './scenarios/wallscreen.mjs'

const SCENARIO_RUNNERS = { fanout, memory, latency, scale, slow, storm, stampede, ha, wallscreen }

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`)
}

function ensureBuilt(force) {
  if (!force && existsSync(PULSEBOARD_ENTRY)) return
  log('building the app (npx nuxi build)')
  execFileSync('npx', ['nuxi', 'build'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } })
}

/** Rotates the server order each run so slow drift on a shared machine does not favour one. */
function rotate(list, by) {
  return list.map((_, i) => list[(i + by) % list.length])
}

async function main() {
  const options = readOptions(process.argv.slice(2))
  if (options.help) {
    console.log(options.help)
    return
  }
  const out = resolve(options.out)
  mkdirSync(out, { recursive: true })
  ensureBuilt(options.build)
  const started = performance.now()
  const results = { meta: machineMeta(), options, runs: [] }
  const redis = await startRedis()
  const save = () => writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2))
  try {
    for (let r = 0; r < options.runs; r++) {
      const run = {}
      results.runs.push(run)
      for (const scenario of options.scenarios) {
        run[scenario] = {}
        for (const kind of rotate(options.servers, r)) {
          if (!takesPart(kind, scenario)) {
            run[scenario][kind] = { skipped: 'not a scenario this server takes part in' }
            continue
          }
          log(`run ${r + 1}/${options.runs} ${scenario} ${kind}`)
          const nodeArgs = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(out, 'profiles', `${scenario}-${kind}`)}`] : []
          try {
            // Every scenario starts on an empty Redis: Pulseboard reads the
            // last 30 minutes of its log at start-up (the dashboard snapshot),
            // and the events of earlier scenarios must not make that cost vary.
            await redis.client.flushall()
            run[scenario][kind] = await SCENARIO_RUNNERS[scenario](kind, { redis, nodeArgs, log, ...options[scenario] })
          }
          catch (error) {
            log(`  failed: ${error.message}`)
            run[scenario][kind] = { error: String(error.stack ?? error) }
          }
        }
        save()
      }
    }
  }
  finally {
    await redis.stop()
  }
  results.meta.loadEnd = loadAverage()
  results.meta.cpuPressureEnd = cpuPressure()
  results.meta.wallSeconds = (performance.now() - started) / 1000
  save()
  const rows = summarize(results)
  const report = markdownReport(results, rows)
  writeFileSync(join(out, 'RESULTS.md'), report)
  writeFileSync(join(out, 'bench.svg'), renderChart(results))
  console.log(report)
  log(`wrote ${join(out, 'results.json')}, RESULTS.md and bench.svg`)
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
