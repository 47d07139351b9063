// Starts the servers under test as separate processes, each on a free port
// of 127.0.0.1, and knows how each one is fed and addressed, and which
// scenarios each one takes part in.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { resolve } from 'node:path'
import { freePort } from './ports.mjs'
import { waitFor } from './wait.mjs'
import { rssBytes, openFiles, cpuSeconds } from './proc.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const PULSEBOARD_ENTRY = resolve(ROOT, '.output/server/index.mjs')

/** Key prefix of Pulseboard's log and channels during the bench (NUXT_REDIS_PREFIX). */
export const PULSEBOARD_PREFIX = 'bench'
/** Channel prefix the SSE references subscribe to (`ref:alerts`, `ref:logs`). */
export const REFERENCE_PREFIX = 'ref'

export const SERVER_KINDS = ['pulseboard', 'naive', 'floor', 'socketio', 'better-sse']
/** Extra servers the harness knows but does not run unless asked (--servers). */
export const EXTRA_SERVER_KINDS = ['floor-raw', 'pulseboard-baseline']
/** A build of an earlier commit for before/after figures (`pulseboard-baseline`). */
export const BASELINE_ENTRY = process.env.BENCH_BASELINE_ENTRY ?? '/tmp/pulseboard-baseline/.output/server/index.mjs'

function streamPath(channels) {
  return `/api/sse/dashboard?channels=${channels.join(',')}`
}

/**
 * The peers (what a Node developer would pick instead) are measured where
 * they do the same job: fan-out, idle memory and a steady stream. They have
 * no resume by event id, no per-client bound and no multi-channel filter, so
 * the slow-client, storm and scale scenarios are left to the others.
 */
const PEER_SCENARIOS = ['fanout', 'memory', 'latency']

/** Whether `kind` takes part in `scenario` (unlisted: every scenario). */
export function takesPart(kind, scenario) {
  const spec = kind === 'pulseboard-baseline' ? SPECS.pulseboard : SPECS[kind]
  return !spec.scenarios || spec.scenarios.includes(scenario)
}

const SPECS = {
  'pulseboard': {
    entry: PULSEBOARD_ENTRY,
    // Clients ask for the channels a scenario publishes on, so the
    // instance's own metrics (every second) and health (every 5 s) events are
    // not counted; the scheduled tasks still run, as in production.
    path: streamPath,
    ready: '/health/sse',
    env: ({ redisUrl, extraEnv }) => ({
      NODE_ENV: 'production',
      NUXT_REDIS_URL: redisUrl,
      NUXT_REDIS_PREFIX: PULSEBOARD_PREFIX,
      NITRO_SHUTDOWN_TIMEOUT: '2000',
      // The load comes from a few local addresses, far past the per-address
      // defaults (100 open, 120 opened and 60 history reads per minute); the
      // limiters still run on every request.
      NUXT_SSE_MAX_CONNECTIONS: '1000000',
      NUXT_SSE_MAX_CONNECTIONS_PER_IP: '1000000',
      NUXT_SSE_OPENS_PER_MINUTE: '1000000',
      NUXT_HISTORY_READS_PER_MINUTE: '1000000',
      ...extraEnv,
    }),
  },
  // The same app built from an earlier commit (BENCH_BASELINE_ENTRY).
  'pulseboard-baseline': null,
  'naive': {
    entry: resolve(ROOT, 'bench/servers/naive/server.mjs'),
    path: streamPath,
    ready: '/health',
    env: ({ redisUrl }) => ({ REDIS_URL: redisUrl, BENCH_CHANNEL_PREFIX: REFERENCE_PREFIX }),
  },
  'floor': {
    entry: resolve(ROOT, 'bench/servers/floor.mjs'),
    path: streamPath,
    ready: '/health',
    env: ({ redisUrl }) => ({ REDIS_URL: redisUrl, BENCH_CHANNEL_PREFIX: REFERENCE_PREFIX }),
  },
  'floor-raw': {
    entry: resolve(ROOT, 'bench/servers/floor-raw.mjs'),
    path: streamPath,
    ready: '/health',
    env: ({ redisUrl }) => ({ REDIS_URL: redisUrl, BENCH_CHANNEL_PREFIX: REFERENCE_PREFIX }),
  },
  // Socket.IO over a WebSocket (the load clients speak engine.io v4 framing),
  // rooms named in the CONNECT packet's auth; fed by @socket.io/redis-emitter.
  'socketio': {
    entry: resolve(ROOT, 'bench/servers/socketio.mjs'),
    path: () => '/socket.io/?EIO=4&transport=websocket',
    protocol: 'socket.io',
    auth: channels => ({ channels: channels.join(',') }),
    ready: '/health',
    scenarios: PEER_SCENARIOS,
    env: ({ redisUrl }) => ({ REDIS_URL: redisUrl }),
  },
  'better-sse': {
    entry: resolve(ROOT, 'bench/servers/better-sse.mjs'),
    path: streamPath,
    ready: '/health',
    scenarios: PEER_SCENARIOS,
    env: ({ redisUrl }) => ({ REDIS_URL: redisUrl, BENCH_CHANNEL_PREFIX: REFERENCE_PREFIX }),
  },
}

/**
 * @param {string} kind one of SERVER_KINDS or EXTRA_SERVER_KINDS
 * @param {{ redisUrl: string, extraEnv?: Record<string,string>, nodeArgs?: string[] }} options
 */
export async function startServer(kind, { redisUrl, extraEnv = {}, nodeArgs = [] }) {
  const spec = kind === 'pulseboard-baseline' ? { ...SPECS.pulseboard, entry: BASELINE_ENTRY } : SPECS[kind]
  const port = await freePort()
  const env = { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...spec.env({ redisUrl, extraEnv }) }
  for (const name of ['TEST', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID', 'NODE_OPTIONS']) delete env[name]
  const proc = spawn(process.execPath, [...nodeArgs, spec.entry], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const collect = (chunk) => {
    output = (output + chunk).slice(-20_000)
  }
  proc.stdout.on('data', collect)
  proc.stderr.on('data', collect)
  const exited = new Promise(resolveExit => proc.once('exit', (code, signal) => resolveExit(code ?? signal)))
  const base = `http://127.0.0.1:${port}`
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`${kind} exited during start-up:\n${output.slice(-1500)}`)
    return (await fetch(base + spec.ready)).ok
  }, { timeout: 30_000, what: `${kind} on ${port}` })
  return {
    kind,
    port,
    pid: proc.pid,
    base,
    target: channels => ({ host: '127.0.0.1', port, path: spec.path(channels), protocol: spec.protocol ?? 'sse', auth: spec.auth?.(channels) }),
    rss: () => rssBytes(proc.pid),
    openFiles: () => openFiles(proc.pid),
    cpuSeconds: () => cpuSeconds(proc.pid),
    output: () => output,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM')
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
    },
  }
}
