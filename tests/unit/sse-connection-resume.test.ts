import { createServer, request } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { compareEventIds } from '../../server/core/broker/event-id'
import { SseConnection } from '../../server/core/sse/connection'
import { parseFilter } from '../../server/core/sse/filter'

/** A real response on a real socket, and what its client has read so far. */
async function openResponse(): Promise<{ res: ServerResponse, received: () => string, server: Server }> {
  let res!: ServerResponse
  const server = createServer((_req, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' })
    response.flushHeaders()
    res = response
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  let body = ''
  await new Promise<void>((resolve) => {
    request({ port, host: '127.0.0.1' }, (incoming: IncomingMessage) => {
      incoming.setEncoding('utf8')
      incoming.on('data', (chunk: string) => {
        body += chunk
      })
      resolve()
    }).end()
  })
  return { res, received: () => body, server }
}

const frame = (id: string) => Buffer.from(`id: ${id}\ndata: ${id}\n\n`)
const idsIn = (text: string) => [...text.matchAll(/^id: (.+)$/gm)].map(m => m[1])

describe('SseConnection after a replay', () => {
  let server: Server | undefined
  afterEach(() => {
    server?.closeAllConnections()
    server?.close()
  })

  it('drops a live frame the replay already sent, then streams newer ones', async () => {
    const opened = await openResponse()
    server = opened.server
    const filter = parseFilter(undefined, undefined)
    if (!filter.ok) throw new Error(filter.error)
    const connection = new SseConnection(opened.res, filter.filter, 1 << 20, { delivered: () => {}, closed: () => {} })
    connection.beginReplay()
    await connection.writeReplayed(frame('100-0'))
    await connection.writeReplayed(frame('100-1'))
    connection.finishReplay(id => compareEventIds(id, '100-1') > 0)
    // The Pub/Sub announcement of 100-1 arrives after the log already replayed it.
    connection.send(frame('100-1'), undefined, '100-1')
    connection.send(frame('100-2'), undefined, '100-2')
    connection.send(frame('100-3'), undefined, '100-3')
    await expect.poll(() => idsIn(opened.received())).toEqual(['100-0', '100-1', '100-2', '100-3'])
    connection.close('client-gone')
  })
})
