import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { ingest, SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const TOKEN = 'publisher-token-for-tests'

function deep(depth: number): unknown {
  let value: unknown = 1
  for (let i = 0; i < depth; i++) value = { a: value }
  return value
}

/** Payloads that passed validation and then broke something further in (README "Event contract"). */
const POISON: Record<string, ['alerts' | 'logs', string]> = {
  'a timestamp past the last valid date': ['alerts', '{"level":"info","message":"x","timestamp":8640000000000001}'],
  'a lone surrogate': ['alerts', '{"level":"info","message":"a\\ud800b"}'],
  'fields nested 1000 deep': ['logs', JSON.stringify({ level: 'info', message: 'x', fields: deep(1000) })],
  'an event larger than NUXT_EVENT_MAX_BYTES': ['logs', JSON.stringify({ level: 'info', message: 'x'.repeat(7000), fields: { pad: 'y'.repeat(10_000) } })],
}

describe('one bad event never stops the instance', () => {
  let redis: RedisServer
  let app: AppServer
  let watcher: SseStream
  beforeAll(async () => {
    redis = await startRedis()
    app = await startApp({ env: { NUXT_REDIS_URL: redis.url, NUXT_PUBLISH_TOKEN: TOKEN } })
    await waitFor(async () => (await fetch(`${app.url}/health/sse`)).status === 200, { what: 'broker ready' })
    watcher = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts,logs`)
  })
  afterAll(async () => {
    watcher?.close()
    await app?.stop()
    await redis?.stop()
  })

  it('drops poison sent by raw PUBLISH, counts it, and keeps delivering what follows', async () => {
    const client = redis.client()
    const before = await (await fetch(`${app.url}/api/sse/stats`)).json() as { invalidDropped: number }
    for (const [name, [channel, payload]] of Object.entries(POISON)) {
      await client.publish(`dashboard:${channel}`, payload)
      await client.publish('dashboard:alerts', JSON.stringify({ level: 'info', message: `after ${name}` }))
    }
    await watcher.waitFor(events => Object.keys(POISON).every(name => events.some(e => e.data.includes(`"after ${name}"`))), 'the raw alerts after each poison')
    expect(watcher.events.filter(e => e.event === 'alert').map(e => JSON.parse(e.data).message)).toEqual(Object.keys(POISON).map(name => `after ${name}`))
    const after = await (await fetch(`${app.url}/api/sse/stats`)).json() as { invalidDropped: number }
    expect(after.invalidDropped - before.invalidDropped).toBe(Object.keys(POISON).length)
    expect(app.output()).not.toMatch(/uncaught|RangeError|Invalid time value/i)
    expect(app.proc.exitCode).toBeNull()
  })

  it.each([
    ['a timestamp past the last valid date', 400, /field `timestamp`/],
    ['a lone surrogate', 400, /field `message`: contains a lone UTF-16 surrogate/],
    ['fields nested 1000 deep', 400, /field `fields(\.a)+`: nested deeper than 8 levels/],
    ['an event larger than NUXT_EVENT_MAX_BYTES', 413, /event larger than 16384 bytes/],
  ] as const)('answers ingest of %s with a clear 4xx, not a 500 or a 503 to retry', async (name, status, message) => {
    const [channel, payload] = POISON[name]!
    const response = await ingest(app.url, channel, payload, TOKEN)
    expect(response.status).toBe(status)
    expect(String(response.json.message)).toMatch(message)
  })

  it('skips a poison entry in the durable log: later events still reach every stream, history still answers', async () => {
    const client = redis.client()
    // The publish function refuses it now, but anything with write access to the key can still
    // append it; before, validating it threw and the reader never moved past it.
    await expect(client.call('FCALL', 'pulseboard_publish', '1', 'dashboard:log', 'alerts', POISON['a timestamp past the last valid date']![1])).rejects.toThrow(/INVALID/)
    await client.xadd('dashboard:log', '*', 'c', 'alerts', 'd', POISON['a timestamp past the last valid date']![1])
    const response = await ingest(app.url, 'alerts', { level: 'warning', message: 'after the poison entry' }, TOKEN)
    expect(response.status).toBe(200)
    await watcher.waitFor(events => events.some(e => e.data.includes('"after the poison entry"')), 'the alert after the poison entry')
    expect((await fetch(`${app.url}/api/history?since=${Date.now() - 60_000}`)).status).toBe(200)
    expect((await fetch(`${app.url}/health/sse`)).status).toBe(200)
  })

  it('still publishes and delivers after all of it', async () => {
    const response = await ingest(app.url, 'alerts', { level: 'warning', message: 'still here' }, TOKEN)
    expect(response.status).toBe(200)
    await watcher.waitFor(events => events.some(e => e.data.includes('"still here"')), 'the ingested alert')
  })
})
