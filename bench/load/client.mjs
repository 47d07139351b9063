// A load-client process (forked by pool.mjs). It holds thousands of SSE
// connections on raw sockets and does as little as possible per byte: no
// HTTP or SSE parser, just the status line, then a scan for the bench
// marker `~b<seq>.<publishedUs>~` that every benchmark event carries in its
// payload. Only complete frames (up to the last `\n\n` of a read) are
// scanned, so a marker or an `id:` line is never split.
//
// Chunked transfer framing (`\r\n<hex>\r\n`) between frames never contains
// `\n\n` and never looks like a marker, so it needs no decoding.
//
// Targets with `protocol: 'socket.io'` are Socket.IO servers: the connection
// is a WebSocket (`/socket.io/?EIO=4&transport=websocket`), and the client
// speaks just enough engine.io v4 / socket.io v5 to stay connected the way
// socket.io-client does: on the engine's open packet (`0{…}`) it sends the
// namespace CONNECT with its auth (`40{"channels":"alerts"}`), counts as open
// on the server's CONNECT (`40{…}`), answers each ping (`2`) with a pong
// (`3`) and scans each event packet (`42[…]`) for the marker. Frames are
// parsed by their length headers (a header byte can be `~`); the client's
// own frames are masked with a zero key, which the protocol allows.
import { connect } from 'node:net'
import { monotonicUs } from '../lib/clock.mjs'
import { LatencyRecorder } from './latency-recorder.mjs'

const MARK = Buffer.from('~b')
const FRAME_END = Buffer.from('\n\n')
const HEADER_END = Buffer.from('\r\n\r\n')
const ID_FIELD = Buffer.from('id: ')
// A fixed key is fine for a load client; the server only checks its form.
const WS_KEY = 'cHVsc2Vib2FyZC1iZW5jaA=='
const WS_PONG = wsText('3')
/** First bytes of engine.io packets ('0' open, '2' ping, '4' message) and of socket.io packets inside a message ('0' CONNECT, '2' EVENT, '4' CONNECT_ERROR). */
const ENGINE = { open: 0x30, ping: 0x32, message: 0x34 }
const SIO = { connect: 0x30, event: 0x32, connectError: 0x34 }
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
    this.ws = target.protocol === 'socket.io'
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
    if (this.ws) return `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${WS_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`
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
      if (this.status !== (this.ws ? 101 : 200)) {
        this.fail(`status-${this.status}`)
        return
      }
      data = data.subarray(end + HEADER_END.length)
      // A WebSocket is open once the namespace CONNECT is answered (wsFrames).
      if (!this.ws) {
        this.socket.setTimeout(0)
        this.opened()
      }
    }
    if (this.ws) {
      this.wsFrames(data)
      return
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

  opened() {
    const settle = this.settle
    this.settle = null
    settle?.(true)
  }

  /** Handles every complete WebSocket frame in `data`; keeps a partial one for the next read. */
  wsFrames(data) {
    let pos = 0
    while (data.length - pos >= 2) {
      const opcode = data[pos] & 0x0f
      let length = data[pos + 1] & 0x7f
      let start = pos + 2
      if (length === 126) {
        if (data.length - pos < 4) break
        length = data.readUInt16BE(pos + 2)
        start = pos + 4
      }
      else if (length === 127) {
        if (data.length - pos < 10) break
        length = Number(data.readBigUInt64BE(pos + 2))
        start = pos + 10
      }
      const end = start + length
      if (end > data.length) break
      if (opcode === 0x1) this.onPacket(data, start, end)
      else if (opcode === 0x8) this.fail('closed')
      pos = end
    }
    if (pos < data.length) this.carry = Buffer.from(data.subarray(pos))
  }

  /** One engine.io packet (a text frame's payload, data[start, end)). */
  onPacket(data, start, end) {
    const type = data[start]
    if (type === ENGINE.message) {
      const inner = data[start + 1]
      if (inner === SIO.event) this.scan(data, end, start)
      else if (inner === SIO.connect) {
        this.socket.setTimeout(0)
        this.opened()
      }
      else if (inner === SIO.connectError) this.fail('connect-error')
    }
    else if (type === ENGINE.ping && end - start === 1) {
      this.socket.write(WS_PONG)
    }
    else if (type === ENGINE.open) {
      this.socket.write(wsText(`40${JSON.stringify(this.target.auth ?? {})}`))
    }
  }

  /** Counts marked frames in data[start, end); latency and resume bookkeeping as configured. */
  scan(data, end, start = 0) {
    const now = monotonicUs()
    let pos = data.indexOf(MARK, start)
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
    if (this.ws) return
    const frameStart = data.lastIndexOf(FRAME_END, pos) + 1
    const idAt = data.indexOf(ID_FIELD, frameStart)
    if (idAt >= 0 && idAt < pos) this.lastEventId = data.toString('latin1', idAt + ID_FIELD.length, data.indexOf(10, idAt))
  }

  close() {
    this.closing = true
    this.socket?.destroy()
  }
}

/** A client-to-server text frame (masked, with a zero key: the payload is sent as is). */
function wsText(text) {
  const payload = Buffer.from(text)
  if (payload.length > 125) throw new Error('load client frames are short')
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload])
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
