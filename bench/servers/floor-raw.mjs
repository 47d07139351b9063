// floor-raw, for comparison only (not in the default run): floor.mjs with
// the one write-path technique Pulseboard uses. Each frame is encoded once
// as a complete HTTP/1.1 chunk and written straight to the socket, corked on
// its first write of a tick and uncorked after the tick, instead of through
// res.write() (which frames every chunk itself, per client, and corks per
// call). It shows how much of Pulseboard's lead over the floor comes from
// that technique; everything else is floor.mjs unchanged (no framework, no
// backpressure, no queue bound, no resume).
import { createServer } from 'node:http'
import { Redis } from 'ioredis'

const port = Number(process.env.PORT)
const prefix = process.env.BENCH_CHANNEL_PREFIX ?? 'ref'
const EVENT_NAMES = { alerts: 'alert', logs: 'log', metrics: 'metric-update', health: 'health' }
const HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'Connection': 'keep-alive',
  'X-Accel-Buffering': 'no',
}
const HEARTBEAT = Buffer.from(': heartbeat\n\n')

const CHANNELS = Object.keys(EVENT_NAMES)
/** channel → sockets that asked for it */
const clients = new Map(CHANNELS.map(channel => [channel, new Set()]))
let nextId = 0
const corked = []

function uncorkAll() {
  for (const socket of corked) socket.uncork()
  corked.length = 0
}
let subscribed = false

const subscriber = new Redis(process.env.REDIS_URL)
subscriber.on('error', error => console.error(`redis: ${error.message}`))
subscriber.subscribe(...CHANNELS.map(name => `${prefix}:${name}`)).then(() => {
  subscribed = true
})
subscriber.on('messageBuffer', (channelBuffer, message) => {
  const channel = channelBuffer.toString().slice(prefix.length + 1)
  const frame = Buffer.concat([Buffer.from(`id: ${++nextId}\nevent: ${EVENT_NAMES[channel]}\ndata: `), message, Buffer.from('\n\n')])
  const chunk = Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`), frame, Buffer.from('\r\n')])
  for (const res of clients.get(channel)) {
    const socket = res.socket
    if (!socket.writableCorked) {
      socket.cork()
      if (corked.push(socket) === 1) process.nextTick(uncorkAll)
    }
    socket.write(chunk)
  }
})

const everyone = new Set()
setInterval(() => {
  for (const res of everyone) res.write(HEARTBEAT)
}, 15_000).unref()

const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(subscribed ? 200 : 503).end()
    return
  }
  const url = new URL(req.url, 'http://floor')
  if (url.pathname !== '/api/sse/dashboard') {
    res.writeHead(404).end()
    return
  }
  const wanted = url.searchParams.get('channels')?.split(',').filter(c => clients.has(c)) ?? CHANNELS
  res.writeHead(200, HEADERS)
  res.flushHeaders()
  everyone.add(res)
  for (const channel of wanted) clients.get(channel).add(res)
  res.on('close', () => {
    everyone.delete(res)
    for (const channel of wanted) clients.get(channel).delete(res)
  })
})
server.listen(port, '127.0.0.1')

process.on('SIGTERM', () => process.exit(0))
