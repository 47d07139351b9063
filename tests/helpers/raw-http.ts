import { connect } from 'node:net'
import type { Socket } from 'node:net'

export interface RawAnswer {
  status: number
  /** Lower-case header names. */
  headers: Record<string, string>
  raw: string
}

export interface RawRequest {
  socket: Socket
  /** Resolves once the request head is on the wire. */
  connected: Promise<void>
  /** The server's answer: its first status line and headers, once the socket closes or they are complete. */
  answer: Promise<RawAnswer>
  write(data: string): void
}

export interface RawOptions {
  localAddress?: string
}

/**
 * A hand-written HTTP/1.1 request on its own socket, for what ordinary
 * clients cannot do: send the head now and the body later (or byte by
 * byte), or send a broken request. The answer is parsed from the bytes.
 */
export function rawRequest(url: string, head: string, { localAddress }: RawOptions = {}): RawRequest {
  const { hostname, port } = new URL(url)
  const socket = connect({ host: hostname, port: Number(port), localAddress })
  let raw = ''
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => {
      socket.write(head, () => resolve())
    })
    socket.once('error', reject)
  })
  const answer = new Promise<RawAnswer>((resolve) => {
    const finish = () => resolve(parse(raw))
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      raw += chunk
      if (raw.includes('\r\n\r\n')) {
        const parsed = parse(raw)
        const length = Number(parsed.headers['content-length'] ?? NaN)
        const body = raw.slice(raw.indexOf('\r\n\r\n') + 4)
        if (Number.isFinite(length) && Buffer.byteLength(body) >= length) {
          socket.destroy()
          resolve(parsed)
        }
      }
    })
    socket.on('close', finish)
    socket.on('error', () => {})
  })
  return { socket, connected, answer, write: data => socket.write(data) }
}

function parse(raw: string): RawAnswer {
  const [headBlock = ''] = raw.split('\r\n\r\n')
  const [statusLine = '', ...lines] = headBlock.split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, raw }
}

/** The head of a POST whose body (of `length` bytes) is sent separately. */
export function postHead(url: string, path: string, length: number, headers: Record<string, string> = {}): string {
  const { host } = new URL(url)
  const lines = [`POST ${path} HTTP/1.1`, `Host: ${host}`, `Content-Length: ${length}`, 'Connection: close']
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  return `${lines.join('\r\n')}\r\n\r\n`
}
