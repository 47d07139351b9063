import { request } from 'node:http'
import type { ClientRequest, IncomingMessage } from 'node:http'
import { createParser } from 'eventsource-parser'
import { waitFor } from './wait'

export interface ReceivedEvent {
  id?: string
  event: string
  data: string
}

export interface StreamOptions {
  headers?: Record<string, string>
  /** Local address to connect from (several 127.0.0.x addresses spread load). */
  localAddress?: string
}

/**
 * A test SSE client built on an independent parser (eventsource-parser), so
 * the server's framing is checked by code that is not ours.
 */
export class SseStream {
  readonly events: ReceivedEvent[] = []
  readonly comments: string[] = []
  retry: number | undefined
  status = 0
  headers: IncomingMessage['headers'] = {}
  body = ''
  ended = false
  private req: ClientRequest | null = null
  private res: IncomingMessage | null = null

  /** Events with ids (the durable ones), in arrival order. */
  get durable(): ReceivedEvent[] {
    return this.events.filter(e => e.id !== undefined && e.event !== 'heartbeat')
  }

  /** What EventSource would send as Last-Event-ID on reconnect. */
  get lastEventId(): string | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      if (this.events[i]!.id !== undefined) return this.events[i]!.id
    }
    return undefined
  }

  static open(url: string, options: StreamOptions = {}): Promise<SseStream> {
    const stream = new SseStream()
    return stream.connect(url, options)
  }

  private connect(url: string, options: StreamOptions): Promise<SseStream> {
    const parser = createParser({
      onEvent: e => this.events.push({ id: e.id, event: e.event ?? 'message', data: e.data }),
      onRetry: (ms) => {
        this.retry = ms
      },
      onComment: text => this.comments.push(text),
    })
    return new Promise((resolve, reject) => {
      this.req = request(url, { headers: { accept: 'text/event-stream', ...options.headers }, localAddress: options.localAddress }, (res) => {
        this.res = res
        this.status = res.statusCode ?? 0
        this.headers = res.headers
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          if (this.status === 200) parser.feed(chunk)
          else this.body += chunk
        })
        const end = () => {
          this.ended = true
        }
        res.on('end', end)
        res.on('close', end)
        res.on('error', end)
        resolve(this)
      })
      this.req.on('error', (error) => {
        this.ended = true
        reject(error)
      })
      this.req.end()
    })
  }

  /** Stops reading: the server's socket buffer fills up as with a stalled client. */
  pause(): void {
    this.res?.pause()
    // Shrink the client's receive side so backpressure reaches the server quickly.
    this.res?.socket.pause()
  }

  resume(): void {
    this.res?.socket.resume()
    this.res?.resume()
  }

  close(): void {
    this.req?.destroy()
    this.ended = true
  }

  async waitFor(predicate: (events: ReceivedEvent[]) => boolean, what = 'events', timeout = 15_000): Promise<void> {
    await waitFor(() => predicate(this.events), { what, timeout })
  }

  async waitForEnd(timeout = 15_000): Promise<void> {
    await waitFor(() => this.ended, { what: 'stream end', timeout })
  }
}

export async function ingest(baseUrl: string, channel: string, body: unknown, token: string): Promise<{ status: number, json: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}/api/ingest/${channel}`, {
    method: 'POST',
    headers: { 'authorization': `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: response.status, json: await response.json().catch(() => ({})) as Record<string, unknown> }
}
