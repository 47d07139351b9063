import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import { ingest, SseStream } from '../helpers/sse-client'

const TOKEN = 'publisher-token-for-tests'

describe('the stream on one instance (embedded broker)', () => {
  let app: AppServer
  beforeAll(async () => {
    // Alert rules off: on a busy machine the instance's own CPU alert would join the ingested one.
    app = await startApp({ env: { NUXT_PUBLISH_TOKEN: TOKEN, NUXT_SSE_HEARTBEAT_MS: '300', NUXT_ALERT_CPU_PERCENT: '100', NUXT_ALERT_MEMORY_PERCENT: '100' } })
  })
  afterAll(async () => {
    await app?.stop()
  })

  it('answers with SSE headers, a retry hint, heartbeats and the metrics task output', async () => {
    const stream = await SseStream.open(`${app.url}/api/sse/dashboard`)
    expect(stream.status).toBe(200)
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/)
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform')
    expect(stream.headers['x-accel-buffering']).toBe('no')
    // The route sends the security headers with its head (not stored on the response).
    expect(stream.headers['x-content-type-options']).toBe('nosniff')
    expect(stream.headers['x-frame-options']).toBe('DENY')
    await stream.waitFor(events => events.some(e => e.event === 'metric-update'), 'a metric from the scheduled task')
    await stream.waitFor(events => events.filter(e => e.event === 'heartbeat').length >= 2, 'two heartbeats')
    expect(stream.retry).toBe(3000)
    expect(stream.comments).toContain('heartbeat')
    const metric = JSON.parse(stream.events.find(e => e.event === 'metric-update')!.data)
    expect(metric).toMatchObject({ source: expect.any(String), cpu: expect.any(Number), memory: expect.any(Number), activeConnections: 1 })
    stream.close()
  })

  it('delivers an ingested alert with its id, unchanged, even with line breaks and an injected event inside', async () => {
    const stream = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`)
    const message = 'first line\n\nevent: alert\ndata: {"forged":true}\r\nid: 999-0\n\nlast'
    const { status, json } = await ingest(app.url, 'alerts', { level: 'critical', message }, TOKEN)
    expect(status).toBe(200)
    const [id] = json.ids as string[]
    await stream.waitFor(events => events.some(e => e.id === id), 'the alert')
    const received = stream.events.filter(e => e.event === 'alert')
    expect(received).toHaveLength(1)
    expect(JSON.parse(received[0]!.data)).toMatchObject({ level: 'critical', message })
    stream.close()
  })
})
