import { request } from 'node:http'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import type { BrowserSession } from '../helpers/browser'
import { openBrowser } from '../helpers/browser'
import { ingest } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'
import type { HistoryWire } from '../../shared/history'
import { decodeHistory } from '../../shared/history'

const TOKEN = 'read-path-publisher-token'
const SEEDED_SOURCES = ['seed-1', 'seed-2', 'seed-3']
const SEEDED_MINUTES = 5

interface RawAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The body as sent (not decompressed). */
  body: Buffer
}

/** A request whose answer is not decompressed for us (fetch would hide Content-Encoding). */
function rawGet(url: string, headers: Record<string, string>, { firstBytesOnly = false } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        if (firstBytesOnly) {
          req.destroy()
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) })
        }
      })
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

function decoded({ headers, body }: RawAnswer): unknown {
  const coding = headers['content-encoding']
  const text = coding === 'br' ? brotliDecompressSync(body) : coding === 'gzip' ? gunzipSync(body) : body
  return JSON.parse(text.toString())
}

async function stats(app: AppServer) {
  return await (await fetch(`${app.url}/api/sse/stats`)).json() as {
    answers: { computed: number, shared: number }
    history: { loaded: boolean, sources: number, fromMemory: number, fromLog: number }
  }
}

/** Minutes of one-second samples written straight into the log, with ids in the past (as if published then). */
async function seedLog(redis: RedisServer, sources: string[], minutes: number): Promise<void> {
  const client = redis.client()
  const end = Date.now() - 5000
  const pipeline = client.pipeline()
  for (let ms = end - minutes * 60_000; ms <= end; ms += 1000) {
    sources.forEach((source, i) => {
      const cpu = Math.round((50 + 40 * Math.sin(ms / 60_000 + i)) * 10) / 10
      const json = JSON.stringify({ source, cpu, memory: 40 + i, rps: ms % 997, activeConnections: i, errorRate: 0, timestamp: new Date(ms).toISOString() })
      pipeline.xadd('dashboard:log', `${ms}-${i}`, 'c', 'metrics', 'd', json)
    })
  }
  await pipeline.exec()
}

describe('the read path: chart history from memory, shared and compressed answers (built server, real Redis)', () => {
  let redis: RedisServer
  let app: AppServer
  let session: BrowserSession | undefined
  const env = (id: string) => ({
    NUXT_REDIS_URL: redis.url,
    NUXT_PUBLISH_TOKEN: TOKEN,
    NUXT_INSTANCE_ID: id,
    NUXT_SSE_HEARTBEAT_MS: '1000',
    NUXT_ALERT_CPU_PERCENT: '100',
    NUXT_ALERT_MEMORY_PERCENT: '100',
    NUXT_ALERT_ERROR_RATE_PERCENT: '100',
  })

  beforeAll(async () => {
    redis = await startRedis()
    await seedLog(redis, SEEDED_SOURCES, SEEDED_MINUTES)
    app = await startApp({ env: env('node-a') })
    await waitFor(async () => (await stats(app)).history.loaded, { what: 'history loaded from the log' })
  })

  afterAll(async () => {
    await session?.close()
    await app?.stop()
    await redis?.stop()
  })

  const historyUrl = (app: AppServer, query = '') => `${app.url}/api/history?since=${Date.now() - 30 * 60_000}${query}`

  it('loads the log\'s history at start and answers it from memory, reduced', async () => {
    const before = await stats(app)
    const history = decodeHistory(await (await fetch(historyUrl(app))).json() as HistoryWire)
    expect([...history.sources.keys()]).toEqual(expect.arrayContaining(SEEDED_SOURCES))
    const seeded = history.sources.get('seed-1')!
    // Five minutes of one-second samples: about 30 ten-second buckets of extremes, not 300 samples.
    expect(seeded.buckets.length).toBeGreaterThanOrEqual(SEEDED_MINUTES * 6 - 2)
    expect(seeded.buckets.length).toBeLessThanOrEqual(SEEDED_MINUTES * 6 + 1)
    expect(seeded.extremes.cpu).toHaveLength(2 * seeded.buckets.length)
    const after = await stats(app)
    expect(after.history.fromMemory).toBe(before.history.fromMemory + 1)
    expect(after.history.fromLog).toBe(before.history.fromLog)
  })

  it('compresses JSON answers as Accept-Encoding asks (br, gzip, none), ignores a bad header, never compresses the stream', async () => {
    const snapshotUrl = `${app.url}/api/snapshot`
    for (const url of [historyUrl(app), snapshotUrl]) {
      const plain = await rawGet(url, {})
      expect(plain.status).toBe(200)
      expect(plain.headers['content-encoding']).toBeUndefined()
      expect(plain.headers.vary).toMatch(/Accept-Encoding/i)
      expect(plain.headers['content-type']).toMatch(/^application\/json/)
      const br = await rawGet(url, { 'accept-encoding': 'gzip, deflate, br, zstd' })
      expect(br.headers['content-encoding']).toBe('br')
      expect(br.headers.vary).toMatch(/Accept-Encoding/i)
      expect(br.body.length).toBeLessThan(plain.body.length)
      const gzip = await rawGet(url, { 'accept-encoding': 'gzip;q=1, br;q=0' })
      expect(gzip.headers['content-encoding']).toBe('gzip')
      for (const answer of [br, gzip]) expect(Object.keys(decoded(answer) as object)).toEqual(Object.keys(JSON.parse(plain.body.toString())))
      for (const bad of ['%%%;;q=', 'br;q=banana', 'compress', 'x'.repeat(3000)]) {
        const answer = await rawGet(url, { 'accept-encoding': bad })
        expect(answer.status).toBe(200)
        expect(answer.headers['content-encoding']).toBeUndefined()
        expect(() => JSON.parse(answer.body.toString())).not.toThrow()
      }
    }
    const stream = await rawGet(`${app.url}/api/sse/dashboard`, { 'accept-encoding': 'br, gzip' }, { firstBytesOnly: true })
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/)
    expect(stream.headers['content-encoding']).toBeUndefined()
    expect(stream.body.toString()).toMatch(/^retry: \d+/)
  })

  it('concurrent identical requests share one computation (counted in /api/sse/stats)', async () => {
    const until = (await (await fetch(`${app.url}/api/snapshot`)).json() as { lastEventId: string }).lastEventId
    const before = await stats(app)
    const url = historyUrl(app, `&until=${until}`)
    const bodies = await Promise.all(Array.from({ length: 40 }, () => rawGet(url, { 'accept-encoding': 'br' })))
    const after = await stats(app)
    expect(new Set(bodies.map(b => b.body.toString('base64'))).size).toBe(1)
    const computed = after.answers.computed - before.answers.computed
    const shared = after.answers.shared - before.answers.shared
    expect(computed + shared).toBe(40)
    // One, or a few when a loaded machine spreads the requests past the answer's second.
    expect(computed).toBeLessThanOrEqual(8)
  })

  it('an instance that loaded the log at start answers the same bytes as one fed live', async () => {
    const b = await startApp({ env: env('node-b') })
    try {
      await waitFor(async () => (await stats(b)).history.loaded, { what: 'B loaded its history' })
      // An id both instances have seen: the newest one in B's snapshot, once A is past it too.
      const until = (await (await fetch(`${b.url}/api/snapshot`)).json() as { lastEventId: string }).lastEventId
      const since = Date.now() - 30 * 60_000
      const [fromA, fromB] = await Promise.all([a(`${app.url}`), a(b.url)])
      async function a(base: string) {
        return (await fetch(`${base}/api/history?since=${since}&until=${until}`)).text()
      }
      expect(fromB).toBe(fromA)
      expect(decodeHistory(JSON.parse(fromA) as HistoryWire).sources.size).toBeGreaterThanOrEqual(SEEDED_SOURCES.length + 1)
      expect((await stats(b)).history.fromMemory).toBeGreaterThan(0)
    }
    finally {
      await b.stop()
    }
  })

  it('in Chromium, history ends exactly where the stream starts: no gap, no overlap', async () => {
    // A collector whose samples count up: the page must see every count once.
    let n = 0
    let collecting = true
    const collector = (async () => {
      while (collecting) {
        n++
        await ingest(app.url, 'metrics', { source: 'probe', cpu: 1, memory: 1, rps: n, activeConnections: 0, errorRate: 0 }, TOKEN)
        await new Promise(resolve => setTimeout(resolve, 150))
      }
    })()
    try {
      await waitFor(() => n > 20, { what: 'probe samples in the log' })
      session = await openBrowser()
      const { page } = session
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Network.enable')
      const streamed: Array<{ id: string, rps: number }> = []
      cdp.on('Network.eventSourceMessageReceived', ({ eventName, eventId, data }) => {
        if (eventName !== 'metric-update') return
        const metric = JSON.parse(data) as { source: string, rps: number }
        if (metric.source === 'probe') streamed.push({ id: eventId, rps: metric.rps })
      })
      const historyResponse = page.waitForResponse(response => response.url().includes('/api/history'))
      const streamRequest = page.waitForRequest(request => request.url().includes('/api/sse/dashboard'))
      await page.goto(app.url)
      const streamFrom = new URL((await streamRequest).url()).searchParams.get('lastEventId')
      const response = await historyResponse
      const historyUntil = new URL(response.url()).searchParams.get('until')
      const history = decodeHistory(await response.json() as HistoryWire)
      await waitFor(() => streamed.length >= 5, { what: 'probe samples on the page\'s stream' })

      expect(streamFrom).toBeTruthy()
      expect(historyUntil).toBe(streamFrom)
      expect(history.until).toBe(streamFrom)
      const probe = history.sources.get('probe')!
      const inHistory = [...probe.extremes.rps, ...probe.exact.values.rps]
      const lastInHistory = Math.max(...inHistory)
      const counts = streamed.map(s => s.rps)
      // The stream starts with the very next count and skips none.
      expect(counts[0]).toBe(lastInHistory + 1)
      expect(counts).toEqual(counts.map((_, i) => lastInHistory + 1 + i))
      expect(session.problems).toEqual([])
    }
    finally {
      collecting = false
      await collector
    }
  })
})
