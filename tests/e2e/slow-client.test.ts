import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import { ingest, SseStream } from '../helpers/sse-client'

const TOKEN = 'publisher-token-for-tests'
const stats = async (app: AppServer) => (await fetch(`${app.url}/api/sse/stats`)).json()

describe('a client that stops reading', () => {
  let app: AppServer
  beforeAll(async () => {
    app = await startApp({ env: { NUXT_PUBLISH_TOKEN: TOKEN, NUXT_SSE_MAX_QUEUE_BYTES: '65536' } })
  })
  afterAll(async () => {
    await app?.stop()
  })

  it('is disconnected past its bound while the others receive every event; it resumes with Last-Event-ID', async () => {
    const stalled = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`)
    const healthy = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`)
    stalled.pause()
    const ids: string[] = []
    const batch = Array.from({ length: 50 }, (_, n) => ({ level: 'info', message: `${n} ${'x'.repeat(1500)}` }))
    // Bounded: 400 batches of 75 KB are far more than the socket buffers and the 64 KB bound together.
    for (let round = 0; round < 400 && (await stats(app)).slowDisconnects === 0; round++) {
      ids.push(...(await ingest(app.url, 'alerts', batch, TOKEN)).json.ids as string[])
    }
    expect((await stats(app)).slowDisconnects).toBe(1)
    await healthy.waitFor(e => e.some(x => x.id === ids.at(-1)), 'every event on the healthy client', 30_000)
    expect(healthy.durable.map(e => e.id)).toEqual(ids)
    expect((await stats(app)).connectedClients).toBe(1)

    // What the stalled client did read is a valid resume point: it gets exactly the rest.
    stalled.resume()
    await stalled.waitForEnd()
    const resumed = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`, { headers: { 'last-event-id': stalled.lastEventId! } })
    await resumed.waitFor(e => e.some(x => x.id === ids.at(-1)), 'the rest after resuming', 30_000)
    expect([...stalled.durable, ...resumed.durable].map(e => e.id)).toEqual(ids)
    healthy.close()
    resumed.close()
  })
})
