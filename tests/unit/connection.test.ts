import { PassThrough } from 'node:stream'
import type { ServerResponse } from 'node:http'
import { describe, expect, it } from 'vitest'
import { SseConnection } from '../../server/core/sse/connection'
import type { CloseReason } from '../../server/core/sse/connection'
import { parseFilter } from '../../server/core/sse/filter'

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
    conn.send(Buffer.from('data: x\n\n'))
  })
})
