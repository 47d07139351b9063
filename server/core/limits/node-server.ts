import { tracingChannel } from 'node:diagnostics_channel'
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import { STATUS_CODES } from 'node:http'

export interface NodeServerLimits {
  requestTimeoutMs: number
  headersTimeoutMs: number
  /** Security headers for the answers Node writes itself (408, 431, 400). */
  headers: Readonly<Record<string, string>>
}

/**
 * How often Node looks for requests past their time limits (its default is
 * 30 s, which would let a slow body live up to 30 s past the limit).
 */
const CHECK_INTERVAL_MS = 1000

/**
 * Nitro creates the Node HTTP server after the plugins ran and keeps it to
 * itself; Node announces every `listen()` on the `net.server.listen` tracing
 * channel before the server accepts a connection, so this is where its
 * limits are set. Returns the unsubscribe function.
 */
export function limitHttpServers(limits: NodeServerLimits): () => void {
  const channel = tracingChannel('net.server.listen')
  const subscribers = {
    start() {},
    end() {},
    asyncStart(message: unknown) {
      const server = (message as { server?: unknown }).server
      if (isHttpServer(server)) applyLimits(server, limits)
    },
    asyncEnd() {},
    error() {},
  }
  channel.subscribe(subscribers)
  return () => channel.unsubscribe(subscribers)
}

function isHttpServer(server: unknown): server is Server {
  return typeof server === 'object' && server !== null && typeof (server as Server).requestTimeout === 'number'
}

/**
 * `requestTimeout` bounds the time until a request (headers and body) has
 * fully arrived, so a client sending 1 byte/s is cut off. A stream is a GET
 * whose request is complete as soon as its headers are: Node stops timing it
 * then, however long the response runs.
 */
function applyLimits(server: Server, limits: NodeServerLimits): void {
  server.requestTimeout = limits.requestTimeoutMs
  server.headersTimeout = limits.headersTimeoutMs
  // A server option Node's types only know at construction; it is read when
  // the server starts listening, which is still to come here.
  ;(server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = CHECK_INTERVAL_MS
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket, limits.headers))
}

const STATUS_FOR: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
}

/**
 * What Node answers by itself when it cannot parse a request or the request
 * is too slow, plus the security headers every response carries (Node's own
 * answer has none). Like Node, nothing is written into a response already
 * under way, and the socket is closed.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket, headers: Readonly<Record<string, string>>): void {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage
  if (socket.writable && !inFlight?.headersSent && error.code !== 'ECONNRESET') {
    const status = STATUS_FOR[error.code ?? ''] ?? 400
    const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, 'Connection: close', 'Content-Length: 0']
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
    socket.write(`${lines.join('\r\n')}\r\n\r\n`)
  }
  socket.destroy(error)
}
