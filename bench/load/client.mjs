// A load-client process (forked by pool.mjs). It holds thousands of SSE
// connections on raw sockets and does as little as possible per byte: no
// HTTP or SSE parser, just the status line, then a scan for the bench
// marker `~b<seq>.<publishedUs>~` that every benchmark event carries in its
// payload. Only complete frames (up to the last `\n\n` of a read) are
// scanned, so a marker or an `id:` line is never split.
//
// Chunked transfer framing (`\r\n<hex>\r\n`) between frames never contains
// `\n\n` and never looks like a marker, so it needs no decoding.
import { connect } from 'node:net'
import { monotonicUs } from '../lib/clock.mjs'
import { LatencyRecorder } from './latency-recorder.mjs'

const MARK = Buffer.from('~b')
const FRAME_END = Buffer.from('\n\n')
const HEADER_END = Buffer.from('\r\n\r\n')
const ID_FIELD = Buffer.from('id: ')
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024)

/** @type {Set<Conn>} */
const conns = new Set()
/** Connections that did not come back after dropAndReconnect: everything after their last event is lost. */
const gone = []
const latency = new LatencyRecorder()
let expected = 0
let reached = 0
let lastReachedUs = 0
let unexpectedCloses = 0
const closeReasons = {}

class Conn {
  constructor(target, localAddress, lastEventId) {
    this.target = target
    this.localAddress = localAddress
    this.lastEventId = lastEventId
    this.headersDone = false
    this.status = 0
    this.count = 0
    this.expectNext = 0
    this.lost = 0
    this.duplicates = 0
    this.firstAfterReconnectUs = 0
    this.reconnectedAtUs = 0
    this.headersAtUs = 0
    this.carry = null
    this.closing = false
    this.paused = false
    this.socket = null
  }

  /** Resolves true once the 200 response head arrived, false on any failure. */
  open() {
    return new Promise((resolve) => {
      this.settle = resolve
      const { host, port } = this.target
      const socket = connect({
        host,
        port,
        localAddress: this.localAddress,
        onread: { buffer: READ_BUFFER, callback: (n, buf) => this.onRead(buf, n) },
      })
      this.socket = socket
      socket.setNoDelay(true)
      socket.once('connect', () => socket.write(this.request()))
      socket.on('error', error => this.fail(error.code ?? 'error'))
      socket.on('close', () => this.fail('closed'))
      socket.setTimeout(30_000, () => {
        if (!this.headersDone) socket.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' }))
      })
    })
  }

  request() {
    const { host, port, path } = this.target
    const resume = this.lastEventId ? `Last-Event-ID: ${this.lastEventId}\r\n` : ''
    return `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n${resume}\r\n`
  }

  fail(reason) {
    if (this.settle) {
      const settle = this.settle
      this.settle = null
      closeReasons[reason] = (closeReasons[reason] ?? 0) + 1
      this.closing = true
      this.socket?.destroy()
      settle(false)
      return
    }
    if (!this.closing && reason === 'closed') {
      unexpectedCloses++
      closeReasons['closed-while-streaming'] = (closeReasons['closed-while-streaming'] ?? 0) + 1
    }
    this.closing = true
  }

  onRead(buf, n) {
    let data = buf.subarray(0, n)
    if (this.carry) {
      data = Buffer.concat([this.carry, data])
      this.carry = null
    }
    if (!this.headersDone) {
      const end = data.indexOf(HEADER_END)
      if (end < 0) {
        this.carry = Buffer.from(data)
        return
      }
      this.status = Number(data.toString('latin1', 9, 12))
      this.headersDone = true
      this.headersAtUs = monotonicUs()
      this.socket.setTimeout(0)
      if (this.status !== 200) {
        this.fail(`status-${this.status}`)
        return
      }
      const settle = this.settle
      this.settle = null
      settle(true)
      data = data.subarray(end + HEADER_END.length)
    }
    const last = data.lastIndexOf(FRAME_END)
    if (last < 0) {
      if (data.length) this.carry = Buffer.from(data)
      return
    }
    const complete = last + FRAME_END.length
    if (complete < data.length) this.carry = Buffer.from(data.subarray(complete))
    this.scan(data, complete)
  }

  /** Counts marked frames in data[0, end); latency and resume bookkeeping as configured. */
  scan(data, end) {
    const now = monotonicUs()
    let pos = data.indexOf(MARK)
    while (pos >= 0 && pos < end) {
      let i = pos + MARK.length
      let seq = 0
      for (let c = data[i]; c >= 48 && c <= 57; c = data[++i]) seq = seq * 10 + c - 48
      let published = 0
      for (let c = data[++i]; c >= 48 && c <= 57; c = data[++i]) published = published * 10 + c - 48
      this.onEvent(data, pos, seq, published, now)
      pos = data.indexOf(MARK, i)
    }
  }

  onEvent(data, pos, seq, published, now) {
    this.count++
    if (this.count === expected) {
      reached++
      lastReachedUs = Math.max(lastReachedUs, now)
    }
    if (latency.enabled) latency.record(now - published)
    if (this.reconnectedAtUs && !this.firstAfterReconnectUs) this.firstAfterReconnectUs = now
    if (this.expectNext !== 0) {
      if (seq > this.expectNext) this.lost += seq - this.expectNext
      else if (seq < this.expectNext) this.duplicates++
    }
    this.expectNext = Math.max(this.expectNext, seq + 1)
    const frameStart = data.lastIndexOf(FRAME_END, pos) + 1
    const idAt = data.indexOf(ID_FIELD, frameStart)
    if (idAt >= 0 && idAt < pos) this.lastEventId = data.toString('latin1', idAt + ID_FIELD.length, data.indexOf(10, idAt))
  }

  close() {
    this.closing = true
    this.socket?.destroy()
  }
}

/** Opens `count` connections, at most `concurrency` in flight (Infinity: all at once). */
async function openMany(target, count, localAddresses, concurrency) {
  let ok = 0
  let failed = 0
  let next = 0
  const worker = async () => {
    while (next < count) {
      const index = next++
      const conn = new Conn(target, localAddresses[index % localAddresses.length], null)
      if (await conn.open()) {
        conns.add(conn)
        ok++
      }
      else {
        failed++
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(count, concurrency) }, worker))
  return { ok, failed }
}

/** Every connection drops at once and comes back at once with its Last-Event-ID. */
async function dropAndReconnect() {
  const old = [...conns]
  conns.clear()
  const droppedAtUs = monotonicUs()
  for (const conn of old) conn.close()
  const results = await Promise.all(old.map(async (previous) => {
    const conn = new Conn(previous.target, previous.localAddress, previous.lastEventId)
    conn.expectNext = previous.expectNext
    conn.count = previous.count
    conn.lost = previous.lost
    conn.duplicates = previous.duplicates
    conn.reconnectedAtUs = droppedAtUs
    const ok = await conn.open()
    if (ok) conns.add(conn)
    else gone.push(conn)
    return ok
  }))
  const ok = results.filter(Boolean).length
  return { ok, failed: results.length - ok, droppedAtUs }
}

/** Totals over the connections `keep` selects (the slow scenario reads the normal clients only). */
function stats(keep = () => true) {
  let delivered = 0
  let lost = 0
  let duplicates = 0
  let resumed = 0
  let lastResumedUs = 0
  let lastHeadersUs = 0
  let minExpectNext = Infinity
  let connections = 0
  let open = 0
  for (const conn of conns) {
    if (!keep(conn)) continue
    connections++
    if (!conn.closing) open++
    delivered += conn.count
    lost += conn.lost
    duplicates += conn.duplicates
    if (conn.expectNext < minExpectNext) minExpectNext = conn.expectNext
    lastHeadersUs = Math.max(lastHeadersUs, conn.headersAtUs)
    if (conn.firstAfterReconnectUs) {
      resumed++
      lastResumedUs = Math.max(lastResumedUs, conn.firstAfterReconnectUs)
    }
  }
  return {
    connections,
    open,
    delivered,
    reached,
    lastReachedUs,
    lost,
    duplicates,
    resumed,
    lastResumedUs,
    lastHeadersUs,
    minExpectNext: connections ? minExpectNext : 0,
    unexpectedCloses,
    closeReasons: { ...closeReasons },
  }
}

const handlers = {
  open: ({ target, count, localAddresses, concurrency }) => openMany(target, count, localAddresses, concurrency),
  reset: ({ expect }) => {
    expected = expect ?? 0
    reached = 0
    lastReachedUs = 0
    for (const conn of conns) conn.count = 0
    return {}
  },
  latency: ({ enabled }) => {
    latency.enabled = enabled
    latency.clear()
    return {}
  },
  samples: () => ({ samples: latency.samples() }),
  pause: ({ count }) => {
    let paused = 0
    for (const conn of conns) {
      if (paused === count) break
      conn.socket.pause()
      conn.paused = true
      paused++
    }
    return { paused }
  },
  stats: ({ activeOnly }) => stats(activeOnly ? conn => !conn.paused : undefined),
  dropAndReconnect,
  /** Events up to `lastSeq` that connections (and those that never came back) did not receive. */
  tail: ({ lastSeq }) => {
    const missing = conn => Math.max(0, lastSeq + 1 - conn.expectNext)
    let missingTail = 0
    for (const conn of conns) missingTail += missing(conn)
    // Not in `conns`, so stats() never counted their earlier gaps either.
    for (const conn of gone) missingTail += missing(conn) + conn.lost
    return { missingTail }
  },
  closeAll: () => {
    for (const conn of conns) conn.close()
    conns.clear()
    gone.length = 0
    return {}
  },
}

process.on('message', async (message) => {
  const { id, type, ...args } = message
  try {
    const result = await handlers[type](args)
    process.send({ id, ok: true, result })
  }
  catch (error) {
    process.send({ id, ok: false, error: String(error?.stack ?? error) })
  }
})
process.on('disconnect', () => process.exit(0))
