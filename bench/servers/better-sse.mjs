// Peer reference: better-sse, as its documentation shows it: one channel
// (`createChannel()`), each request turned into a session with
// `createSession(req, res)` and registered with the channel, and one ioredis
// subscriber calling `channel.broadcast(event, 'alert')` for every message.
// Options are the library's defaults (a 10 s keep-alive per session, a
// `retry` field, a random UUID as the id of each broadcast, JSON.stringify
// as the serializer, so the Redis message is parsed once and serialized per
// session as `push()` does).
import { createServer } from 'node:http'
import { createChannel, createSession } from 'better-sse'
import { Redis } from 'ioredis'

const port = Number(process.env.PORT)
const prefix = process.env.BENCH_CHANNEL_PREFIX ?? 'ref'

const channel = createChannel()
let subscribed = false

const subscriber = new Redis(process.env.REDIS_URL)
subscriber.on('error', error => console.error(`redis: ${error.message}`))
subscriber.subscribe(`${prefix}:alerts`).then(() => {
  subscribed = true
})
subscriber.on('message', (_channel, message) => channel.broadcast(JSON.parse(message), 'alert'))

const server = createServer(async (req, res) => {
  if (req.url === '/health') {
    res.writeHead(subscribed ? 200 : 503).end()
    return
  }
  if (!req.url.startsWith('/api/sse/dashboard')) {
    res.writeHead(404).end()
    return
  }
  const session = await createSession(req, res)
  channel.register(session)
})
server.listen(port, '127.0.0.1')

process.on('SIGTERM', () => process.exit(0))
