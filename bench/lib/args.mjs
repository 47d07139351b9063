// Command line of `npm run bench -- ...`. Every option has a default that
// makes the full run; --quick shrinks everything to a few hundred clients.
import { parseArgs } from 'node:util'
import { EXTRA_SERVER_KINDS, SERVER_KINDS } from './servers.mjs'

export const SCENARIOS = ['fanout', 'memory', 'latency', 'scale', 'slow', 'storm', 'stampede', 'ha', 'wallscreen']

const USAGE = `npm run bench -- [options]
  --only <list>        scenarios: ${SCENARIOS.join(',')} (default: all)
  --servers <list>     ${[...SERVER_KINDS, ...EXTRA_SERVER_KINDS].join(',')} (default: the first five;
                       socketio and better-sse take part in fanout, memory, latency only)
  --runs <n>           runs of every scenario, median reported (default 3)
  --clients <n>        client count for the selected scenarios (overrides their defaults)
  --events <n>         fan-out burst size (default: 500,000 deliveries per step)
  --seconds <n>        latency and slow-client stream duration (default 10); wallscreen: measured seconds (default 600)
  --rate <n>           events/s of the latency, slow and storm streams (default 10, 10, 4)
  --instances <n>      instances in the scale scenario's cluster (default 3)
  --viewers <n>        viewers opening the page at once in the stampede (default 500)
  --sources <list>     sources × 30 min of history in the stampede's cases (default 0,20,100)
  --quick              a few hundred clients, one run: checks the harness, not the servers
  --out <dir>          output directory (default bench/out)
  --build              rebuild the app first (default: only when .output is missing)
  --profile            run the servers with --cpu-prof (<out>/profiles/<scenario>-<server>/)
  --help`

function positiveInt(value, name) {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${value}`)
  return n
}

function list(value, allowed, name, defaults = allowed) {
  if (value === undefined) return defaults
  const items = value.split(',').map(s => s.trim()).filter(Boolean)
  const unknown = items.find(item => !allowed.includes(item))
  if (unknown || !items.length) throw new Error(`--${name}: unknown '${unknown ?? value}' (expected some of ${allowed.join(', ')})`)
  return allowed.filter(item => items.includes(item))
}

/** Turns argv into the plan of every scenario. */
export function readOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      servers: { type: 'string' },
      runs: { type: 'string' },
      clients: { type: 'string' },
      events: { type: 'string' },
      seconds: { type: 'string' },
      rate: { type: 'string' },
      instances: { type: 'string' },
      viewers: { type: 'string' },
      sources: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      build: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) return { help: USAGE }
  const quick = values.quick
  const clients = positiveInt(values.clients, 'clients')
  const events = positiveInt(values.events, 'events')
  const seconds = positiveInt(values.seconds, 'seconds') ?? (quick ? 1 : 10)
  const rate = positiveInt(values.rate, 'rate')
  const instances = positiveInt(values.instances, 'instances') ?? 3
  const fanoutClients = clients ? [clients] : quick ? [100, 300] : [1000, 5000, 10000]
  const memorySizes = clients ? [clients] : quick ? [300] : [5000, 10000]
  return {
    scenarios: list(values.only, SCENARIOS, 'only'),
    servers: list(values.servers, [...SERVER_KINDS, ...EXTRA_SERVER_KINDS], 'servers', SERVER_KINDS),
    runs: positiveInt(values.runs, 'runs') ?? (quick ? 1 : 3),
    out: values.out ?? 'bench/out',
    build: values.build,
    profile: values.profile,
    quick,
    fanout: {
      // The same number of deliveries at every size, so each step lasts about as long.
      steps: fanoutClients.map(n => ({ clients: n, events: events ?? Math.max(10, Math.round((quick ? 20_000 : 500_000) / n)) })),
    },
    memory: { sizes: memorySizes },
    // 1,000 clients is the target's size; 100 shows where this machine's
    // per-write cost stops dominating.
    latency: { sizes: clients ? [clients] : quick ? [200] : [100, 1000], probes: quick ? 5 : 20, perSecond: rate ?? 10, seconds, warmupSeconds: quick ? 0 : 1 },
    scale: quick
      ? { single: clients ?? 400, instances, perInstance: Math.round((clients ?? 400) / 2) }
      : { single: clients ?? 19_000, instances, perInstance: clients ?? 18_000 },
    slow: {
      normal: clients ?? (quick ? 200 : 1000),
      probes: quick ? 5 : 20,
      slowClients: quick ? 10 : 100,
      seconds,
      perSecond: rate ?? 10,
      // ~8 KB log events at 100/s: each stalled socket is sent ~8 MB in 10 s,
      // past the ~4 MB the kernel buffers on loopback and the 1 MiB bound.
      bulkPerSecond: 100,
      bulkBytes: 7900,
    },
    storm: { clients: clients ?? (quick ? 300 : 10_000), perSecond: rate ?? 4 },
    stampede: {
      viewers: positiveInt(values.viewers, 'viewers') ?? (quick ? 30 : 500),
      sourceCounts: values.sources !== undefined ? values.sources.split(',').map(Number) : quick ? [0, 5] : [0, 20, 100],
    },
    // Replicated Redis and Cluster (Pulseboard only; the cluster part is skipped where none starts).
    ha: { collectors: 8, seconds: quick ? 2 : 5, clients: clients ?? (quick ? 300 : 3000), events: events ?? (quick ? 50 : 200) },
    // A browser tab on the dashboard: 200 sources at 1 Hz over 30 minutes of history, 10 minutes measured.
    wallscreen: quick
      ? { sources: clients ?? 200, historyMinutes: 3, seconds: seconds * 20, warmupSeconds: 15 }
      : { sources: clients ?? 200, historyMinutes: 30, seconds: values.seconds ? seconds : 600, warmupSeconds: 30 },
  }
}
