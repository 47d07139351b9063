import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { ingest, SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const TOKEN = 'publisher-token-for-tests'

/** The first thing a resumed stream says: `reset`, or the first replayed event's id. */
async function resumeAnswer(url: string, lastEventId: string): Promise<string> {
  const stream = await SseStream.open(`${url}/api/sse/dashboard?channels=alerts`, { headers: { 'last-event-id': lastEventId } })
  try {
    await stream.waitFor(e => e.some(x => x.event === 'reset' || x.id !== undefined), 'a resume answer')
    const first = stream.events.find(x => x.event === 'reset' || x.id !== undefined)!
    return first.event === 'reset' ? 'reset' : `replay from ${first.id}`
  }
  finally {
    stream.close()
  }
}

describe('resume with an id the log no longer keeps, on two instances', () => {
  let redis: RedisServer
  let a: AppServer
  let b: AppServer | undefined
  const env = (id: string, redisUrl: string) => ({ NUXT_REDIS_URL: redisUrl, NUXT_PUBLISH_TOKEN: TOKEN, NUXT_INSTANCE_ID: id, NUXT_LOG_MAX_EVENTS: '50' })
  beforeAll(async () => {
    redis = await startRedis()
    a = await startApp({ env: env('node-a', redis.url) })
    await waitFor(async () => (await fetch(`${a.url}/health/sse`)).ok, { what: 'A on Redis' })
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await redis?.stop()
  })

  it('gives the same answer on the instance that still holds the id in memory and on one that never saw it', async () => {
    const ids: string[] = []
    for (let n = 0; n < 80; n++) ids.push(...((await ingest(a.url, 'alerts', { level: 'info', message: `event ${n}` }, TOKEN)).json.ids as string[]))
    const trimmed = ids[10]!
    expect(await redis.client().xlen('dashboard:log')).toBe(50)
    // B starts after the events: nothing of them in its memory.
    b = await startApp({ env: env('node-b', redis.url) })
    await waitFor(async () => (await fetch(`${b!.url}/health/sse`)).ok, { what: 'B on Redis' })
    expect(await resumeAnswer(a.url, trimmed)).toBe('reset')
    expect(await resumeAnswer(b.url, trimmed)).toBe('reset')
    // An id the log still keeps replays on both, from the same event (the instances' own
    // alerts may come first: the answer is the same either way).
    const kept = ids.at(-1)!
    await ingest(a.url, 'alerts', { level: 'info', message: 'next' }, TOKEN)
    const onA = await resumeAnswer(a.url, kept)
    expect(onA).toMatch(/^replay from /)
    expect(await resumeAnswer(b.url, kept)).toBe(onA)
  })
})
