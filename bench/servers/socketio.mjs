// Peer reference: Socket.IO v4, set up as its documentation recommends for
// production with several instances: the Redis adapter (@socket.io/redis-adapter)
// on an ioredis pub/sub pair, `ws` with its native `bufferutil` add-on
// installed, and the first HTTP request of each session discarded to save
// memory ("Memory usage" page). Collectors publish with
// @socket.io/redis-emitter (`emitter.to('alerts').emit('alert', event)`), as
// a process outside the socket.io cluster does; clients join the rooms they
// name in the CONNECT packet's auth (`{"channels":"alerts"}`), which is what
// `?channels=` is for the SSE servers. Everything else is Socket.IO's default
// (both transports allowed, 25 s ping interval, JSON parser, no compression).
import { createServer } from 'node:http'
import { createAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import { Server } from 'socket.io'

const port = Number(process.env.PORT)
const CHANNELS = ['alerts', 'logs', 'metrics', 'health']

const pubClient = new Redis(process.env.REDIS_URL)
const subClient = pubClient.duplicate()
for (const client of [pubClient, subClient]) client.on('error', error => console.error(`redis: ${error.message}`))

const httpServer = createServer(async (req, res) => {
  if (req.url === '/health') {
    // Ready once the adapter's pattern subscription is in place (one server
    // runs at a time on the bench's Redis).
    const patterns = await pubClient.call('PUBSUB', 'NUMPAT').catch(() => 0)
    res.writeHead(Number(patterns) > 0 ? 200 : 503).end()
    return
  }
  res.writeHead(404).end()
})

const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient) })
io.engine.on('connection', (rawSocket) => {
  rawSocket.request = null
})
io.on('connection', (socket) => {
  const wanted = typeof socket.handshake.auth.channels === 'string' ? socket.handshake.auth.channels.split(',') : CHANNELS
  socket.join(wanted.filter(channel => CHANNELS.includes(channel)))
})

httpServer.listen(port, '127.0.0.1')

process.on('SIGTERM', () => process.exit(0))
