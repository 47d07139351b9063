import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryBroker } from '../../server/core/broker/memory-broker'
import { createCounters } from '../../server/core/counters'
import { Hub } from '../../server/core/hub'
import type { Logger } from '../../server/core/logger'
import { parseFilter } from '../../server/core/sse/filter'
import { encodeChunk, WireFrame } from '../../server/core/sse/wire-frame'
import { writeBatched } from '../../server/core/sse/write-batch'
import { waitFor } from '../helpers/wait'

const quiet: Logger = { info() {}, warn() {}, error() {} }
let server: Server | undefined
afterEach(() => {
  server?.closeAllConnections()
  server?.close()
})

describe('wire frames', () => {
  it('frame an HTTP/1.1 chunk as size in hex, CRLF, the bytes, CRLF', () => {
    const bytes = Buffer.from(`data: ${'é'.repeat(20)}\n\n`)
    expect(encodeChunk(bytes).toString('latin1')).toBe(`${bytes.length.toString(16)}\r\n${bytes.toString('latin1')}\r\n`)
    const frame = WireFrame.of('data: x\n\n')
    expect(frame.wire(false).toString()).toBe('data: x\n\n')
    expect(frame.wire(true).toString()).toBe('9\r\ndata: x\n\n\r\n')
    expect(frame.wire(true)).toBe(frame.wire(true))
  })

  it('batch a tick\'s writes behind one cork and keep their order', async () => {
    const stream = new PassThrough()
    const received: string[] = []
    stream.on('data', (chunk: Buffer) => received.push(chunk.toString()))
    for (const part of ['a', 'b', 'c']) writeBatched(stream, Buffer.from(part))
    expect(stream.writableCorked).toBe(1)
    expect(received).toEqual([])
    await new Promise(resolve => process.nextTick(resolve))
    expect(stream.writableCorked).toBe(0)
    await waitFor(() => received.join('') === 'abc', { what: 'the batch' })
  })

  it.each([
    ['HTTP/1.1', 'chunked', (body: string) => expect(body).toMatch(/^[0-9a-f]+\r\nretry: 1000\n\n: connected\n\n\r\n/)],
    ['HTTP/1.0', 'close-delimited', (body: string) => expect(body).toMatch(/^retry: 1000\n\n: connected\n\n/)],
  ] as const)('reach an %s client as a valid %s body', async (version, _kind, checkStart) => {
    const broker = new MemoryBroker({ maxAgeMs: 60_000, maxEvents: 100 })
    const hub = new Hub(broker, { heartbeatMs: 60_000, retryMs: 1000, maxQueueBytes: 1 << 20 }, createCounters(), quiet)
    server = createServer((_req, res) => {
      const filter = parseFilter('alerts', undefined)
      if (!filter.ok) throw new Error(filter.error)
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.flushHeaders()
      hub.attach(res, filter.filter, null)
    })
    await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', resolve))
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1')
    let raw = ''
    socket.on('data', (chunk: Buffer) => {
      raw += chunk.toString('latin1')
    })
    socket.write(`GET / HTTP/${version.slice(5)}\r\nHost: x\r\n\r\n`)
    await waitFor(() => hub.size === 1, { what: 'the stream' })
    const id = await broker.publish('alerts', JSON.stringify({ level: 'info', message: 'one', source: 's', timestamp: '2026-01-01T00:00:00.000Z' }))
    await waitFor(() => raw.includes(`id: ${id}`) && raw.endsWith('\n\n' + (version === 'HTTP/1.1' ? '\r\n' : '')), { what: 'the event' })
    const [head, body] = [raw.slice(0, raw.indexOf('\r\n\r\n')), raw.slice(raw.indexOf('\r\n\r\n') + 4)]
    expect(/transfer-encoding: chunked/i.test(head)).toBe(version === 'HTTP/1.1')
    checkStart(body)
    const frame = `id: ${id}\nevent: alert\ndata: {"level":"info","message":"one","source":"s","timestamp":"2026-01-01T00:00:00.000Z"}\n\n`
    expect(body.endsWith(version === 'HTTP/1.1' ? `${Buffer.byteLength(frame).toString(16)}\r\n${frame}\r\n` : frame)).toBe(true)
    socket.destroy()
    hub.shutdown()
  })
})
