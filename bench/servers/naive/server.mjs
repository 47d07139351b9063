// The naive reference: a textbook SSE design (a client manager +
// a Redis subscriber service) ported onto h3 the obvious way. Every client is an
// h3 `createEventStream`, a per-client timer sends the heartbeat (a
// periodic timer), and one Redis subscriber loops over the clients
// calling `push()` for each message, with a per-process counter
// as the event id. Clients may pick channels (`?channels=alerts,logs`,
// filtering by channel): the loop skips the others.
import { createServer } from 'node:http'
import { createApp, createEventStream, createRouter, defineEventHandler, getQuery, setResponseStatus, toNodeListener } from 'h3'
import { Redis } from 'ioredis'

const port = Number(process.env.PORT)
const prefix = process.env.BENCH_CHANNEL_PREFIX ?? 'ref'
const EVENT_NAMES = { alerts: 'alert', logs: 'log', metrics: 'metric-update', health: 'health' }

/** The client manager: a map of client id → stream. */
const clients = new Map()
let eventId = 0
let subscribed = false

function broadcast(channel, data) {
  const id = String(++eventId)
  const event = EVENT_NAMES[channel]
  for (const client of clients.values()) {
    if (!client.channels.has(channel)) continue
    // The textbook design awaits each write in turn; h3's push() resolves once the
    // TransformStream took the chunk, so not awaiting is the faster, fairer port.
    void client.stream.push({ id, event, data })
  }
}

const subscriber = new Redis(process.env.REDIS_URL)
subscriber.on('error', error => console.error(`redis: ${error.message}`))
subscriber.subscribe(...Object.keys(EVENT_NAMES).map(name => `${prefix}:${name}`)).then(() => {
  subscribed = true
})
subscriber.on('message', (channel, message) => broadcast(channel.slice(prefix.length + 1), message))

const router = createRouter()
router.get('/health', defineEventHandler((event) => {
  setResponseStatus(event, subscribed ? 200 : 503)
  return subscribed ? 'ok' : 'starting'
}))
router.get('/api/sse/dashboard', defineEventHandler((event) => {
  const clientId = crypto.randomUUID()
  const stream = createEventStream(event)
  const wanted = getQuery(event).channels
  const channels = new Set(typeof wanted === 'string' ? wanted.split(',') : Object.keys(EVENT_NAMES))
  clients.set(clientId, { stream, channels })
  const heartbeat = setInterval(() => void stream.push({ event: 'heartbeat', data: String(Date.now()) }), 15_000)
  stream.onClosed(() => {
    clearInterval(heartbeat)
    clients.delete(clientId)
  })
  // h3 sends the response head with the first chunk: without this first
  // event the client would wait for the heartbeat to see the stream open.
  // (Not awaited: awaiting push() before send() never resolves.)
  void stream.push({ event: 'connected', data: clientId })
  return stream.send()
}))

const app = createApp()
app.use(router)
createServer(toNodeListener(app)).listen(port, '127.0.0.1')

process.on('SIGTERM', () => process.exit(0))
