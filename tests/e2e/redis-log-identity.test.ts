import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compareEventIds } from '../../server/core/broker/event-id'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import { freePort } from '../helpers/ports'
import type { RedisProcess } from '../helpers/redis-process'
import { ask, redisProcess } from '../helpers/redis-process'
import { ingest, SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const TOKEN = 'publisher-token-for-log-identity'

/**
 * A Redis that comes back with an older copy of the log (its last snapshot,
 * as a replica that had not received the newest entries would after a
 * failover), then one that comes back empty. Neither may pass silently.
 */
describe('a log that was lost or replaced under running instances', () => {
  let dir: string
  let redis: RedisProcess
  let app: AppServer
  const publish = async (message: string) => waitFor(async () => {
    const { status, json } = await ingest(app.url, 'alerts', { level: 'info', message }, TOKEN)
    return status === 200 ? (json.ids as string[])[0]! : null
  }, { what: `${message} accepted`, timeout: 20_000, interval: 100 })
  const logResets = async () => ((await (await fetch(`${app.url}/api/sse/stats`)).json()) as { broker: { logResets: number } }).broker.logResets

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseboard-identity-'))
    const port = await freePort()
    // Snapshots only when asked (SAVE): a restart loads the last one.
    redis = redisProcess(port, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', 'dump.rdb', '--save', '', '--appendonly', 'no'])
    await redis.start()
    app = await startApp({ env: { NUXT_REDIS_URL: `redis://127.0.0.1:${port}`, NUXT_PUBLISH_TOKEN: TOKEN, NUXT_SSE_HEARTBEAT_MS: '1000' } })
    await waitFor(async () => (await fetch(`${app.url}/health/sse`)).ok, { what: 'broker ready' })
  })
  afterAll(async () => {
    await app?.stop()
    await redis?.kill()
    rmSync(dir, { recursive: true, force: true })
  })

  it('resets clients when the newest entries vanished, and never hands out their ids again', async () => {
    const stream = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`)
    for (let n = 0; n < 3; n++) await publish(`kept ${n}`)
    await ask(redis, 'SAVE')
    const lost: string[] = []
    for (let n = 0; n < 3; n++) lost.push(await publish(`lost ${n}`))
    await stream.waitFor(events => events.some(e => e.id === lost.at(-1)), 'the entries that will be lost')

    await redis.kill()
    await redis.start()
    await stream.waitFor(events => events.some(e => e.event === 'reset'), 'a reset for the lost entries', 20_000)
    expect(await logResets()).toBe(1)

    // The log goes on past every id the instance delivered, even within the same millisecond.
    const after = await publish('after the loss')
    expect(compareEventIds(after, lost.at(-1)!)).toBeGreaterThan(0)
    await stream.waitFor(events => events.some(e => e.id === after), 'live events after the reset')
    expect(stream.ended).toBe(false)

    // A client that saw a lost event and resumes elsewhere is reset too, not skipped past.
    const resumed = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`, { headers: { 'last-event-id': lost[1]! } })
    await resumed.waitFor(events => events.some(e => e.event === 'reset'), 'a reset for a resume from a lost id')
    resumed.close()
    stream.close()
  })

  it('resets clients when Redis came back empty, even once new events were appended', async () => {
    const stream = await SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`)
    const before = await logResets()
    await redis.kill()
    rmSync(join(dir, 'dump.rdb'), { force: true })
    expect(existsSync(join(dir, 'dump.rdb'))).toBe(false)
    await redis.start()
    const fresh = await publish('first of a new log')
    await stream.waitFor(events => events.some(e => e.event === 'reset'), 'a reset for the new log', 20_000)
    await stream.waitFor(events => events.some(e => e.id === fresh), 'the new log\'s events')
    expect(await logResets()).toBe(before + 1)
    stream.close()
  })
})
