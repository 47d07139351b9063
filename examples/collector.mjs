#!/usr/bin/env node
// A Pulseboard collector to start from: samples the host it runs on (CPU and
// memory) and publishes the samples through the ingest API in batches, each
// batch under an Idempotency-Key, retried with backoff, and buffered locally
// (bounded) while the dashboard cannot take them. No dependencies: copy this
// file, run it with Node 20+, adapt `sample()` to what you want to watch.
// Flags: `node collector.mjs --help`; README "A collector to start from".
import { readFileSync } from 'node:fs'
import { cpus, freemem, hostname, totalmem } from 'node:os'
import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'

const HELP = `Usage: node collector.mjs [options]

Samples this host's CPU and memory and publishes them to Pulseboard
(POST <url>/api/ingest/metrics).

Options (environment variable in brackets):
  --url <url>          Pulseboard base URL [PULSEBOARD_URL] (default http://localhost:3000)
  --token <token>      publisher token, NUXT_PUBLISH_TOKEN of the server [PULSEBOARD_TOKEN]
  --source <name>      source name on the dashboard (default: this host's name)
  --interval <ms>      time between samples (default 1000)
  --batch <n>          most samples per request (default 20, at most 1000)
  --flush <ms>         longest a sample waits before it is sent (default 5000)
  --buffer <n>         samples kept while the server is unreachable; past it the
                       oldest are dropped and counted (default 3600)
  --timeout <ms>       per request (default 5000)
  --max-backoff <ms>   longest wait between retries (default 30000)
  --once               take one sample, send it, exit (0 sent, 1 not sent)
  --verbose            log every request
  -h, --help           this text

Retries: a batch that was not accepted (no answer, 5xx, 408, 429) is sent
again with the same body and Idempotency-Key, after 0.5 s, 1 s, 2 s, ... up to
--max-backoff (or the server's Retry-After), so a retry never duplicates.
A batch refused as invalid (400, 413, 422) is logged and dropped; a refused
token (401, 403) stops the collector.`

function options() {
  const { values } = parseArgs({
    options: {
      'url': { type: 'string', default: process.env.PULSEBOARD_URL ?? 'http://localhost:3000' },
      'token': { type: 'string', default: process.env.PULSEBOARD_TOKEN ?? '' },
      'source': { type: 'string', default: hostname() },
      'interval': { type: 'string', default: '1000' },
      'batch': { type: 'string', default: '20' },
      'flush': { type: 'string', default: '5000' },
      'buffer': { type: 'string', default: '3600' },
      'timeout': { type: 'string', default: '5000' },
      'max-backoff': { type: 'string', default: '30000' },
      'once': { type: 'boolean', default: false },
      'verbose': { type: 'boolean', default: false },
      'help': { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    console.log(HELP)
    process.exit(0)
  }
  const number = (name, min, max) => {
    const value = Number(values[name])
    if (!Number.isInteger(value) || value < min || value > max) fail(`--${name} must be a whole number from ${min} to ${max}, got ${values[name]}`)
    return value
  }
  let url
  try {
    url = new URL('/api/ingest/metrics', values.url)
  }
  catch {
    fail(`--url must be a URL such as http://localhost:3000, got ${values.url}`)
  }
  if (!values.token) fail('--token (or PULSEBOARD_TOKEN) is required: the server\'s NUXT_PUBLISH_TOKEN')
  return {
    url,
    token: values.token,
    source: values.source,
    intervalMs: number('interval', 10, 3_600_000),
    batch: number('batch', 1, 1000),
    flushMs: number('flush', 0, 3_600_000),
    buffer: number('buffer', 1, 1_000_000),
    timeoutMs: number('timeout', 100, 600_000),
    maxBackoffMs: number('max-backoff', 100, 3_600_000),
    once: values.once,
    verbose: values.verbose,
  }
}

function fail(message) {
  console.error(`collector: ${message}`)
  process.exit(2)
}

const log = message => console.error(`collector: ${message}`)

// --- sampling -------------------------------------------------------------

/** Busy and total CPU time over all cores since boot (ms). */
function cpuTimes() {
  let busy = 0
  let total = 0
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle
    total += all
    busy += all - times.idle
  }
  return { busy, total }
}

/** Memory in use, as the kernel counts available memory (page cache is not "used"). */
function memoryPercent() {
  try {
    const info = readFileSync('/proc/meminfo', 'utf8')
    const kb = name => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(info)?.[1])
    const total = kb('MemTotal')
    const available = kb('MemAvailable')
    if (total > 0 && available >= 0) return 100 * (1 - available / total)
  }
  catch {
    // not Linux: the os module's figures
  }
  return 100 * (1 - freemem() / totalmem())
}

const round = value => Math.round(Math.min(100, Math.max(0, value)) * 10) / 10

function createSampler(source) {
  let previous = cpuTimes()
  const host = hostname()
  return function sample() {
    const now = cpuTimes()
    const total = now.total - previous.total
    const cpu = total > 0 ? 100 * (now.busy - previous.busy) / total : 0
    previous = now
    // A host has no requests or streams of its own: those fields are 0.
    return { source, host, cpu: round(cpu), memory: round(memoryPercent()), rps: 0, activeConnections: 0, errorRate: 0, timestamp: new Date().toISOString() }
  }
}

// --- sending --------------------------------------------------------------

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

class Refused extends Error {}

/**
 * One request. Resolves with the ids, or throws: `Refused` when the server
 * will never take this batch, otherwise an error after which the same batch
 * is sent again (`retryAfterMs` set when the server said when).
 */
async function post(config, batch) {
  let response
  try {
    response = await fetch(config.url, {
      method: 'POST',
      headers: { 'authorization': `Bearer ${config.token}`, 'content-type': 'application/json', 'idempotency-key': batch.key },
      body: batch.body,
      signal: AbortSignal.timeout(config.timeoutMs),
    })
  }
  catch (error) {
    const reason = error.name === 'TimeoutError' ? `no answer within ${config.timeoutMs} ms` : `${error.message}${error.cause ? ` (${error.cause.code ?? error.cause.message})` : ''}`
    throw new Error(reason, { cause: error })
  }
  const text = await response.text()
  if (response.ok) return JSON.parse(text).ids
  const reason = `${response.status} ${describeError(text)}`
  if (response.status === 401 || response.status === 403) {
    log(`the server refused the token: ${reason}`)
    process.exit(2)
  }
  if (response.status < 500 && response.status !== 408 && response.status !== 429) throw new Refused(reason)
  const error = new Error(reason)
  const retryAfter = Number(response.headers.get('retry-after'))
  if (Number.isFinite(retryAfter) && retryAfter >= 0) error.retryAfterMs = retryAfter * 1000
  throw error
}

/** Pulseboard answers errors as JSON with a `message`; anything else is shown shortened, on one line. */
function describeError(text) {
  try {
    const message = JSON.parse(text).message
    if (typeof message === 'string') return message
  }
  catch {
    // not JSON
  }
  return text.replace(/\s+/g, ' ').slice(0, 200)
}

function createSender(config) {
  const buffer = []
  let dropped = 0
  let sent = 0
  /** The batch being sent: its body and key stay the same across retries. */
  let current = null

  function add(sample) {
    buffer.push(sample)
    if (buffer.length > config.buffer) {
      buffer.shift()
      dropped++
      if (dropped === 1 || dropped % 100 === 0) log(`buffer full (${config.buffer} samples): ${dropped} oldest dropped so far`)
    }
  }

  let running = null

  /**
   * Sends until the buffer is empty; true when all of it was accepted or
   * refused. One drain at a time: a call while one runs waits for it.
   */
  async function drain(stopped = () => false) {
    while (running) await running
    running = drainNow(stopped)
    try {
      return await running
    }
    finally {
      running = null
    }
  }

  async function drainNow(stopped) {
    for (let attempt = 0; ; attempt++) {
      if (!current) {
        if (buffer.length === 0) return true
        const samples = buffer.splice(0, config.batch)
        current = { samples, body: JSON.stringify(samples), key: `${config.source}-${randomUUID()}` }
        attempt = 0
      }
      try {
        const ids = await post(config, current)
        sent += current.samples.length
        if (attempt > 0) log(`sent ${current.samples.length} samples after ${attempt} ${attempt === 1 ? 'retry' : 'retries'}`)
        else if (config.verbose) log(`sent ${current.samples.length} samples (${ids.at(-1)})`)
        current = null
      }
      catch (error) {
        if (error instanceof Refused) {
          log(`batch of ${current.samples.length} refused, dropped: ${error.message}`)
          current = null
          continue
        }
        if (stopped()) return false
        const backoff = Math.min(config.maxBackoffMs, 500 * 2 ** Math.min(attempt, 16))
        const wait = Math.min(config.maxBackoffMs, Math.max(error.retryAfterMs ?? 0, backoff / 2 + Math.random() * backoff / 2))
        log(`not sent (${error.message}); retry ${attempt + 1} in ${Math.round(wait)} ms, ${buffer.length + current.samples.length} samples waiting`)
        await sleep(wait)
      }
    }
  }

  return { add, drain, pending: () => buffer.length + (current?.samples.length ?? 0), stats: () => ({ sent, dropped }) }
}

// --- main -----------------------------------------------------------------

async function main() {
  const config = options()
  const sample = createSampler(config.source)
  const sender = createSender(config)

  if (config.once) {
    await sleep(Math.min(config.intervalMs, 1000)) // CPU use is a difference of two readings
    sender.add(sample())
    let deadline = false
    const timer = setTimeout(() => (deadline = true), config.timeoutMs * 3)
    const ok = await sender.drain(() => deadline)
    clearTimeout(timer)
    process.exit(ok ? 0 : 1)
  }

  let stopping = false
  let oldestWaiting = null
  const ticker = setInterval(() => {
    sender.add(sample())
    oldestWaiting ??= Date.now()
  }, config.intervalMs)

  const stop = async () => {
    if (stopping) return
    stopping = true
    clearInterval(ticker)
    // One last try for what is buffered (after the send under way), bounded by one request timeout.
    const deadline = Date.now() + config.timeoutMs
    await sender.drain(() => Date.now() > deadline)
    const { sent, dropped } = sender.stats()
    log(`stopped: ${sent} samples sent, ${dropped} dropped, ${sender.pending()} unsent`)
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  log(`sampling ${config.source} every ${config.intervalMs} ms, publishing to ${config.url.origin}`)

  while (!stopping) {
    const due = oldestWaiting !== null && (sender.pending() >= config.batch || Date.now() - oldestWaiting >= config.flushMs)
    if (due) {
      oldestWaiting = null
      await sender.drain(() => stopping)
      if (sender.pending() > 0) oldestWaiting = Date.now()
    }
    else {
      await sleep(Math.min(config.intervalMs, 100))
    }
  }
}

await main()
