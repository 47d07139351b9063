import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const VIEWER = 'viewer-token-for-log-feed-tests'
const AUTH = { authorization: `Bearer ${VIEWER}` }
/** Unauthenticated text aimed at every signed-in dashboard's Logs panel and at stdout. */
const HOSTILE_PATH = '/api/%E2%9A%A0%20URGENT%3A%20payroll%20DB%20compromised%0Afake%20line'

interface LogData { level: string, message: string }

describe('the logs channel carries what an operator needs, not what a client wrote', () => {
  let redis: RedisServer
  let app: AppServer
  let logs: SseStream
  const logLines = () => logs.events.filter(e => e.event === 'log').map(e => JSON.parse(e.data) as LogData)

  beforeAll(async () => {
    redis = await startRedis()
    app = await startApp({
      env: {
        NUXT_REDIS_URL: redis.url,
        NUXT_VIEWER_TOKEN: VIEWER,
        NUXT_SESSION_PASSWORD: 'a-session-password-of-at-least-32-characters',
        // The hostile requests must not lock this test's own viewer out.
        NUXT_AUTH_FAILURES_PER_MINUTE: '100000',
      },
    })
    await waitFor(async () => (await fetch(`${app.url}/health/sse`)).status === 200, { what: 'broker ready' })
    logs = await SseStream.open(`${app.url}/api/sse/dashboard?channels=logs`, { headers: AUTH })
    expect(logs.status).toBe(200)
  })
  afterAll(async () => {
    logs?.close()
    await app?.stop()
    await redis?.stop()
  })

  it('keeps forty hostile 401 paths off the feed and out of stdout\'s line structure; a real warning still arrives', async () => {
    const statuses = await Promise.all(Array.from({ length: 40 }, () => fetch(app.url + HOSTILE_PATH).then(r => r.status)))
    expect(new Set(statuses)).toEqual(new Set([401]))
    // A real warning in the same second: garbage published straight into Redis.
    await redis.client().publish('dashboard:alerts', JSON.stringify({ level: 'critical' }))
    await waitFor(() => logLines().some(l => l.message.includes('dropped invalid event (raw PUBLISH on dashboard:alerts)')), { what: 'the real warning on the logs channel' })

    expect(logLines().filter(l => /URGENT|payroll|fake line|not signed in/.test(l.message))).toEqual([])
    const snapshot = await (await fetch(`${app.url}/api/snapshot`, { headers: AUTH })).json() as { logs: { data: LogData }[] }
    expect(snapshot.logs.filter(l => /URGENT|payroll|fake line/.test(l.data.message))).toEqual([])
    expect(snapshot.logs.some(l => l.data.message.includes('dropped invalid event (raw PUBLISH on dashboard:alerts)'))).toBe(true)

    // stdout keeps the refusal (an operator may grep it), on one line, encoded and bounded.
    const lines = app.output().split('\n')
    expect(lines.some(line => line.includes('401 GET /api/%E2%9A%A0%20URGENT:%20payroll%20DB%20compromised%0Afake%20line'))).toBe(true)
    expect(lines.filter(line => /^\s*fake line/.test(line))).toEqual([])
  })

  it('logs a bad log entry once, however often history reads it', async () => {
    const client = redis.client()
    // Appended behind the publish function's back (it refuses it), refused by the schema on every read.
    const id = await client.xadd('dashboard:log', '*', 'c', 'metrics', 'd', '{"cpu":"hot"}') as string
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${app.url}/api/history?since=${Date.now() - 60_000}`, { headers: AUTH })
      expect(response.status).toBe(200)
    }
    // Something after it on the same feed: once it arrives, every earlier line has too.
    await client.publish('dashboard:health', 'not json at all')
    await waitFor(() => logLines().some(l => l.message.includes('dropped invalid event (raw PUBLISH on dashboard:health)')), { what: 'the later warning' })
    expect(logLines().filter(l => l.message.includes(`log entry ${id}`))).toHaveLength(1)
  })
})
