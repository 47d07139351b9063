// The parent side of the load clients: forks processes, spreads connections
// over them and over many 127.0.0.x source addresses, and sums what they see.
import { fork } from 'node:child_process'
import { setPriority } from 'node:os'
import { fileURLToPath } from 'node:url'

const CLIENT = fileURLToPath(new URL('./client.mjs', import.meta.url))

/**
 * Each (source address, server address, server port) tuple has ~28,000
 * ephemeral ports; spreading over many source addresses keeps bind() fast
 * and leaves room for the TIME_WAIT sockets of earlier phases.
 */
const MAX_PER_ADDRESS = 2000
let nextAddress = 2

function takeAddresses(count) {
  const out = []
  for (let i = 0; i < Math.max(1, Math.ceil(count / MAX_PER_ADDRESS)); i++) {
    out.push(`127.0.0.${nextAddress}`)
    nextAddress = nextAddress >= 254 ? 2 : nextAddress + 1
  }
  return out
}

class Worker {
  #pending = new Map()
  #nextId = 0

  constructor() {
    this.proc = fork(CLIENT, [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.proc.on('message', ({ id, ok, result, error }) => {
      const pending = this.#pending.get(id)
      this.#pending.delete(id)
      if (ok) pending?.resolve(result)
      else pending?.reject(new Error(`load client: ${error}`))
    })
    this.proc.on('exit', (code) => {
      for (const pending of this.#pending.values()) pending.reject(new Error(`load client exited (${code})`))
      this.#pending.clear()
    })
  }

  call(type, args = {}) {
    return new Promise((resolve, reject) => {
      const id = this.#nextId++
      this.#pending.set(id, { resolve, reject })
      this.proc.send({ id, type, ...args })
    })
  }
}

export class LoadPool {
  /** @param {number} processes */
  constructor(processes) {
    this.workers = Array.from({ length: processes }, () => new Worker())
  }

  /** Enough processes for `total` connections (~5,000 each, well inside 20,000 open files). */
  static forConnections(total, minProcesses = 2) {
    return new LoadPool(Math.max(minProcesses, Math.ceil(total / 5000)))
  }

  /** Lowers the CPU priority of these processes (nice 0..19): they then read in the gaps the server and the probes leave. */
  deprioritize(nice = 19) {
    for (const worker of this.workers) setPriority(worker.proc.pid, nice)
  }

  #all(type, args) {
    return Promise.all(this.workers.map(worker => worker.call(type, args)))
  }

  /**
   * Opens `count` connections to `target` ({ host, port, path }), split
   * evenly over the processes, with at most `inFlight` handshakes pending at
   * once in total: more than the server's accept backlog (511 in Node) only
   * overflows the kernel's listen queue and turns into SYN-cookie resets,
   * which measure the load generator rather than the server.
   */
  async open(target, count, { inFlight = 256 } = {}) {
    const shares = this.workers.map((_, i) => Math.floor(count / this.workers.length) + (i < count % this.workers.length ? 1 : 0))
    const concurrency = Math.max(1, Math.floor(inFlight / this.workers.length))
    const results = await Promise.all(this.workers.map((worker, i) => shares[i]
      ? worker.call('open', { target, count: shares[i], localAddresses: takeAddresses(shares[i]), concurrency })
      : { ok: 0, failed: 0 }))
    return { ok: sum(results, 'ok'), failed: sum(results, 'failed') }
  }

  /** Zeroes the per-connection counters; `expect` marks when a connection is done. */
  reset(expect) {
    return this.#all('reset', { expect })
  }

  latency(enabled) {
    return this.#all('latency', { enabled })
  }

  async samples() {
    const parts = await this.#all('samples')
    const total = parts.reduce((n, part) => n + part.samples.length, 0)
    const out = new Float64Array(total)
    let offset = 0
    for (const { samples } of parts) {
      out.set(samples, offset)
      offset += samples.length
    }
    return out
  }

  /** Stops reading on `count` connections (spread over the processes). */
  async pause(count) {
    const each = Math.ceil(count / this.workers.length)
    let left = count
    for (const worker of this.workers) {
      const { paused } = await worker.call('pause', { count: Math.min(each, left) })
      left -= paused
    }
  }

  async stats({ activeOnly = false } = {}) {
    const parts = await this.#all('stats', { activeOnly })
    const reasons = {}
    for (const part of parts) {
      for (const [reason, n] of Object.entries(part.closeReasons)) reasons[reason] = (reasons[reason] ?? 0) + n
    }
    return {
      connections: sum(parts, 'connections'),
      open: sum(parts, 'open'),
      delivered: sum(parts, 'delivered'),
      reached: sum(parts, 'reached'),
      lastReachedUs: Math.max(...parts.map(p => p.lastReachedUs)),
      lost: sum(parts, 'lost'),
      duplicates: sum(parts, 'duplicates'),
      resumed: sum(parts, 'resumed'),
      lastResumedUs: Math.max(...parts.map(p => p.lastResumedUs)),
      lastHeadersUs: Math.max(...parts.map(p => p.lastHeadersUs)),
      minExpectNext: Math.min(...parts.filter(p => p.connections).map(p => p.minExpectNext)),
      unexpectedCloses: sum(parts, 'unexpectedCloses'),
      closeReasons: reasons,
    }
  }

  async dropAndReconnect() {
    const parts = await this.#all('dropAndReconnect')
    return { ok: sum(parts, 'ok'), failed: sum(parts, 'failed'), droppedAtUs: Math.min(...parts.map(p => p.droppedAtUs)) }
  }

  async tail(lastSeq) {
    const parts = await this.#all('tail', { lastSeq })
    return { missingTail: sum(parts, 'missingTail') }
  }

  closeAll() {
    return this.#all('closeAll')
  }

  async stop() {
    await Promise.allSettled(this.workers.map(worker => worker.call('closeAll')))
    for (const worker of this.workers) worker.proc.disconnect()
    await Promise.all(this.workers.map(worker => worker.proc.exitCode === null ? new Promise(r => worker.proc.once('exit', r)) : null))
  }
}

function sum(parts, key) {
  return parts.reduce((n, part) => n + part[key], 0)
}
