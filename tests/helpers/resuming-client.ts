import { request } from 'node:http'
import type { ClientHttp2Session, IncomingHttpHeaders } from 'node:http2'
import { constants } from 'node:http2'
import type { Readable } from 'node:stream'
import { createParser } from 'eventsource-parser'
import type { ReceivedEvent } from './sse-client'
import { waitFor } from './wait'

/** An open response: status, headers, and the body as text chunks. */
export interface OpenedStream {
  status: number
  headers: IncomingHttpHeaders
  body: Readable
  close(): void
}

/** How a client opens one request; HTTP/1.1 and HTTP/2 behave differently under failover. */
export type Transport = (path: string, headers: Record<string, string>, signal: AbortSignal) => Promise<OpenedStream>

/** One TCP connection per stream, as a browser over HTTP/1.1. */
export function http1Transport(baseUrl: string): Transport {
  return (path, headers, signal) => new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { headers, agent: false, signal }, (res) => {
      res.setEncoding('utf8')
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, close: () => req.destroy() })
    })
    req.on('error', reject)
    req.end()
  })
}

/** Every stream on one shared HTTP/2 session, as a browser over HTTPS does. */
export function http2Transport(session: ClientHttp2Session): Transport {
  return (path, headers, signal) => new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ...headers }, { signal })
    stream.setEncoding('utf8')
    stream.once('error', reject)
    stream.once('response', (responseHeaders) => {
      stream.off('error', reject)
      resolve({
        status: Number(responseHeaders[':status']),
        headers: responseHeaders,
        body: stream,
        close: () => stream.close(constants.NGHTTP2_CANCEL),
      })
    })
  })
}

export interface ResumingOptions {
  /** Wait before the first reconnect until the server sent `retry:` (the spec leaves the default to the browser). */
  initialRetryMs?: number
  headers?: Record<string, string>
}

/**
 * A client that behaves like the browser's EventSource plus the dashboard's
 * own restart of a failed EventSource: when the stream ends or breaks it
 * waits the server's `retry:` and reopens with `Last-Event-ID` set to the last
 * id it received. A non-200 answer (EventSource gives up on those) is
 * recorded in `failures` and retried the same way.
 */
export interface ResumedEvent extends ReceivedEvent {
  /** Which open (1-based) delivered it. */
  open: number
  /** Arrival time (ms), for failure reports. */
  at: number
}

export class ResumingStream {
  readonly events: ResumedEvent[] = []
  /** Successful (200) opens; more than one means the client moved. */
  opens = 0
  /** The Last-Event-ID each successful open resumed from. */
  readonly resumedFrom: Array<string | undefined> = []
  readonly failures: string[] = []
  retryMs: number
  lastEventId: string | undefined
  private stopped = false
  private readonly abort = new AbortController()
  private current: OpenedStream | null = null
  private wake: (() => void) | null = null
  readonly done: Promise<void>

  constructor(private readonly transport: Transport, private readonly path: string, private readonly options: ResumingOptions = {}) {
    this.retryMs = options.initialRetryMs ?? 3000
    this.done = this.run()
  }

  /** Durable events (with ids) in arrival order. */
  get ids(): string[] {
    return this.events.filter(e => e.id !== undefined).map(e => e.id!)
  }

  get connected(): boolean {
    return this.current !== null
  }

  async waitForIds(ids: Iterable<string>, what = 'events', timeout = 15_000): Promise<void> {
    const wanted = [...ids]
    await waitFor(() => {
      const got = new Set(this.ids)
      return wanted.every(id => got.has(id))
    }, { what, timeout })
  }

  async waitForOpens(count: number, timeout = 15_000): Promise<void> {
    await waitFor(() => this.opens >= count && this.connected, { what: `${count} opens`, timeout })
  }

  stop(): Promise<void> {
    this.stopped = true
    this.abort.abort()
    this.current?.close()
    this.wake?.()
    return this.done
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const headers: Record<string, string> = { 'accept': 'text/event-stream', 'cache-control': 'no-cache', ...this.options.headers }
      if (this.lastEventId !== undefined) headers['last-event-id'] = this.lastEventId
      try {
        const opened = await this.transport(this.path, headers, this.abort.signal)
        if (opened.status !== 200) {
          this.failures.push(`HTTP ${opened.status}`)
          opened.close()
        }
        else {
          this.resumedFrom.push(this.lastEventId)
          await this.read(opened)
        }
      }
      catch (error) {
        if (!this.stopped) this.failures.push(`open failed: ${(error as Error).message}`)
      }
      if (!this.stopped) await this.pause(this.retryMs)
    }
  }

  private async read(opened: OpenedStream): Promise<void> {
    this.opens++
    this.current = opened
    opened.body.on('error', () => {}) // reported through the iterator below
    const parser = createParser({
      onEvent: (event) => {
        // As EventSource: an event with an id field moves the resume point.
        if (event.id !== undefined) this.lastEventId = event.id
        this.events.push({ id: event.id, event: event.event ?? 'message', data: event.data, open: this.opens, at: Date.now() })
      },
      onRetry: (ms) => {
        this.retryMs = ms
      },
    })
    try {
      for await (const chunk of opened.body) parser.feed(chunk as string)
    }
    catch {
      // A broken stream (instance killed, connection reset) ends like a closed one.
    }
    finally {
      this.current = null
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }
}

/** Ids a client received more than once. */
export function duplicateIds(ids: string[]): string[] {
  const seen = new Set<string>()
  return ids.filter(id => (seen.has(id) ? true : (seen.add(id), false)))
}
