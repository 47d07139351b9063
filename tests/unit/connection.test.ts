import { PassThrough } from 'node:stream'
import type { ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { SseConnection } from '../../server/core/sse/connection'
import type { CloseReason } from '../../server/core/sse/connection'
import { parseFilter } from '../../server/core/sse/filter'
import { WireFrame } from '../../server/core/sse/wire-frame'

function connection() {
  const res = new PassThrough() as unknown as ServerResponse
  const closes: CloseReason[] = []
  const filter = parseFilter(undefined, undefined)
  if (!filter.ok) throw new Error('filter')
  const conn = new SseConnection(res, filter.filter, 1024, { delivered() {}, closed: (_c, reason) => closes.push(reason) })
  return { res, conn, closes }
}

describe('a connection closes exactly once, whatever closes it', () => {
  it.each(['client-gone', 'write-error', 'slow', 'shutdown'] as const)('first by %s, then by everything else', (first) => {
    const { res, conn, closes } = connection()
    conn.close(first)
    conn.close('slow')
    conn.close('shutdown')
    res.emit('close')
    res.emit('error', new Error('late'))
    expect(closes).toEqual([first])
    conn.send(WireFrame.of('data: x\n\n'))
  })
})

describe('the queue bound counts conflated metrics', () => {
  it('disconnects a stalled client whose conflation map grows with one entry per source', async () => {
    // A socket-like buffer of 16 KiB (Node 22 raised the default high-water mark to 64 KiB).
    const res = new PassThrough({ highWaterMark: 16 * 1024 }) as unknown as ServerResponse
    const closes: CloseReason[] = []
    const filter = parseFilter(undefined, undefined)
    if (!filter.ok) throw new Error('filter')
    const conn = new SseConnection(res, filter.filter, 64 * 1024, { delivered() {}, closed: (_c, reason) => closes.push(reason) })
    // The client reads nothing: the socket buffer passes its high-water mark but stays under the bound.
    conn.send(WireFrame.of(`data: ${'x'.repeat(20_000)}\n\n`))
    await new Promise(resolve => setImmediate(resolve))
    expect((res as unknown as PassThrough).writableNeedDrain).toBe(true)
    for (let i = 0; i < 1000; i++) conn.send(WireFrame.of(`event: metric-update\ndata: {"source":"host-${i}","cpu":1}\n\n`), `host-${i}`, undefined)
    await new Promise(resolve => setImmediate(resolve))
    expect(closes).toEqual(['slow'])
  })

  it('keeps a stalled client whose conflated metrics stay within the bound (latest per source)', async () => {
    // A socket-like buffer of 16 KiB (Node 22 raised the default high-water mark to 64 KiB).
    const res = new PassThrough({ highWaterMark: 16 * 1024 }) as unknown as ServerResponse
    const closes: CloseReason[] = []
    const filter = parseFilter(undefined, undefined)
    if (!filter.ok) throw new Error('filter')
    const conn = new SseConnection(res, filter.filter, 64 * 1024, { delivered() {}, closed: (_c, reason) => closes.push(reason) })
    conn.send(WireFrame.of(`data: ${'x'.repeat(20_000)}\n\n`))
    await new Promise(resolve => setImmediate(resolve))
    for (let i = 0; i < 5000; i++) conn.send(WireFrame.of(`event: metric-update\ndata: {"source":"host-${i % 20}","cpu":${i}}\n\n`), `host-${i % 20}`, undefined)
    await new Promise(resolve => setImmediate(resolve))
    expect(closes).toEqual([])
  })
})
