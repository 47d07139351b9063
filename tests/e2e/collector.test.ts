import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const TOKEN = 'publisher-token-for-collector-tests'

interface Collector { proc: ChildProcess, output(): string, exited: Promise<number | null>, stop(): Promise<number | null> }

function startCollector(url: string, args: string[]): Collector {
  const proc = spawn(process.execPath, ['examples/collector.mjs', '--url', url, ...args], {
    env: { PATH: process.env.PATH, PULSEBOARD_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  proc.stdout!.on('data', (chunk: Buffer) => (output += chunk))
  proc.stderr!.on('data', (chunk: Buffer) => (output += chunk))
  const exited = new Promise<number | null>(done => proc.once('exit', code => done(code)))
  return {
    proc,
    output: () => output,
    exited,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM')
      return exited
    },
  }
}

describe('examples/collector.mjs against the built server', () => {
  let redis: RedisServer
  let app: AppServer

  beforeAll(async () => {
    redis = await startRedis({ appendOnly: true })
    app = await startApp({ env: { NUXT_REDIS_URL: redis.url, NUXT_PUBLISH_TOKEN: TOKEN, NUXT_INSTANCE_ID: 'collector-test' } })
    await waitFor(async () => (await fetch(`${app.url}/health/sse`)).ok, { what: 'instance connected to Redis' })
  })

  afterAll(async () => {
    await app?.stop()
    await redis?.stop()
  })

  it('explains its flags', async () => {
    const collector = startCollector(app.url, ['--help'])
    expect(await collector.exited).toBe(0)
    for (const flag of ['--url', '--token', '--source', '--interval', '--batch', '--flush', '--buffer', '--timeout', '--max-backoff', '--once']) expect(collector.output()).toContain(flag)
  })

  it('publishes host samples in batches, keeps them through a 503 and sends each exactly once after the retry', async () => {
    const stream = await SseStream.open(`${app.url}/api/sse/dashboard?channels=metrics`)
    const mine = () => stream.events.map(e => JSON.parse(e.data) as { source: string, host?: string, cpu: number, memory: number, timestamp: string }).filter(m => m.source === 'collector-e2e')
    const collector = startCollector(app.url, ['--source', 'collector-e2e', '--interval', '100', '--batch', '5', '--flush', '300', '--timeout', '2000', '--max-backoff', '800', '--verbose'])
    try {
      await waitFor(() => mine().length >= 10, { what: 'the first samples on the stream' })
      const first = mine()[0]!
      expect(first.host).toBeTruthy()
      expect(first.cpu).toBeGreaterThanOrEqual(0)
      expect(first.memory).toBeGreaterThan(0)
      // Batched: several samples per request.
      expect(collector.output()).toMatch(/sent [2-5] samples/)

      // Redis goes away: ingest answers 503 with Retry-After; the collector keeps its samples.
      await redis.kill()
      const outageStart = new Date().toISOString()
      await waitFor(() => /not sent \(503 .*retry 2 in/.test(collector.output()), { what: 'the collector retrying after 503' })
        .catch((error: Error) => {
          throw new Error(`${error.message}\n${collector.output().slice(-2000)}`)
        })
      const outageEnd = new Date().toISOString()
      await redis.restart()
      await waitFor(() => /sent \d+ samples after \d+ retries/.test(collector.output()), { what: 'the retried batch accepted', timeout: 20_000 })
      await waitFor(() => mine().some(m => m.timestamp > outageEnd), { what: 'samples taken after the outage on the stream', timeout: 20_000 })

      const stamps = mine().map(m => m.timestamp)
      expect(new Set(stamps).size).toBe(stamps.length)
      // Samples taken while Redis was away arrived too.
      expect(stamps.filter(t => t > outageStart && t < outageEnd).length).toBeGreaterThan(3)
    }
    finally {
      await redis.restart().catch(() => {})
      stream.close()
      const code = await collector.stop()
      expect(code, collector.output()).toBe(0)
    }
    expect(collector.output()).toMatch(/stopped: \d+ samples sent, 0 dropped/)
  })

  it('keeps a bounded buffer while the server cannot be reached, dropping the oldest', async () => {
    const collector = startCollector('http://127.0.0.1:9', ['--source', 'nowhere', '--interval', '20', '--buffer', '10', '--batch', '5', '--flush', '0', '--max-backoff', '200'])
    try {
      await waitFor(() => /buffer full \(10 samples\)/.test(collector.output()), { what: 'the buffer bound' })
      expect(collector.output()).toMatch(/retry \d+ in \d+ ms, (1[0-5]|[0-9]) samples waiting/)
    }
    finally {
      await collector.stop()
    }
  })
})
