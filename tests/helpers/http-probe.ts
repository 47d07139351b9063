import { request } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'

export interface ProbeResult {
  status: number
  headers: IncomingHttpHeaders
  /** The whole body, or the first bytes of a stream (which is then closed). */
  body: string
}

export interface ProbeOptions {
  method?: string
  headers?: Record<string, string>
  body?: string
  /** Local address to connect from (127.0.0.x: a different client address). */
  localAddress?: string
}

/**
 * One HTTP request with full control (any header, any source address).
 * A 200 event stream is closed after its first bytes: enough to see that
 * it was accepted.
 */
export function probe(url: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, localAddress: options.localAddress }, (res) => {
      let body = ''
      const streaming = res.statusCode === 200 && String(res.headers['content-type']).startsWith('text/event-stream')
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
        if (streaming) {
          req.destroy()
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
        }
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      res.on('error', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** The `name=value` part of a Set-Cookie header for `name`, for sending back. */
export function cookieFrom(headers: IncomingHttpHeaders | Headers, name: string): string {
  const raw = headers instanceof Headers ? headers.getSetCookie() : headers['set-cookie'] ?? []
  const line = raw.find(cookie => cookie.startsWith(`${name}=`))
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(raw)}`)
  return line.split(';')[0]!
}
