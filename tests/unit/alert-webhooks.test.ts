import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { AlertTransition } from '../../server/core/sources/alert-rules'
import { createWebhookNotifier } from '../../server/core/alerts/webhook-notifier'
import type { Logger } from '../../server/core/logger'
import { waitFor } from '../helpers/wait'

interface Received { body: unknown, contentType: string | undefined }

/** A local webhook receiver whose answer each test decides. */
async function receiver(answer: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  const received: Received[] = []
  let n = 0
  const server: Server = createServer((req, res) => {
    let text = ''
    req.on('data', (chunk) => {
      text += chunk
    })
    req.on('end', () => {
      received.push({ body: JSON.parse(text), contentType: req.headers['content-type'] })
      answer(req, res, ++n)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received }
}

const servers: Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  }
})

function quietLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return { lines, info: line => lines.push(line), warn: line => lines.push(line), error: line => lines.push(line) }
}

const transition: AlertTransition = {
  rule: { name: 'cpu-high', metric: 'cpu', comparison: '>', threshold: 80, holdSamples: 3, clear: 72, level: 'critical', scope: 'host' },
  kind: 'fired',
  subject: 'web-1',
  alert: { level: 'critical', message: 'CPU at 95% is above 80% on host web-1 (reported by web-1-100) for 3 samples [cpu-high]', source: 'web-1-100', timestamp: '2026-12-01T00:00:00.000Z' },
  idempotencyKey: 'alert-x',
}

const options = (logger: Logger) => ({ timeoutMs: 500, maxAttempts: 4, queueSize: 10, baseDelayMs: 20, maxDelayMs: 100, instanceId: 'i-1', logger })

describe('alert webhooks', () => {
  it('posts the alert as JSON, or as a Slack message', async () => {
    const hook = await receiver((_req, res) => res.end('ok'))
    const notifier = createWebhookNotifier(options(quietLogger()))
    notifier.notify([{ url: hook.url, format: 'json' }, { url: hook.url, format: 'slack' }], transition)
    await waitFor(() => notifier.counts.sent === 2)
    const bodies = hook.received.map(r => r.body)
    expect(bodies).toContainEqual({ state: 'fired', alert: transition.alert, rule: { name: 'cpu-high', metric: 'cpu', comparison: '>', threshold: 80, clear: 72, scope: 'host' }, subject: 'web-1', sentBy: 'i-1' })
    expect(bodies).toContainEqual({ text: `:rotating_light: *critical* ${transition.alert.message}` })
    expect(hook.received.every(r => r.contentType === 'application/json')).toBe(true)
  })

  it('retries with backoff after 5xx answers and timeouts, then delivers', async () => {
    const hook = await receiver((_req, res, n) => {
      if (n === 1) res.writeHead(503).end()
      else if (n === 2) return // no answer: the attempt times out
      else res.end('ok')
    })
    const logger = quietLogger()
    const notifier = createWebhookNotifier(options(logger))
    notifier.notify([{ url: hook.url, format: 'json' }], transition)
    await waitFor(() => notifier.counts.sent === 1, { timeout: 5000 })
    expect(hook.received).toHaveLength(3)
    expect(notifier.counts).toEqual({ sent: 1, failed: 0, dropped: 0, retried: 2 })
    expect(logger.lines.some(line => line.includes('answered 503'))).toBe(true)
    expect(logger.lines.some(line => line.includes('no answer within 500 ms'))).toBe(true)
  })

  it('gives up after the last attempt, or at once on a 4xx, and logs it', async () => {
    const down = await receiver((_req, res) => res.writeHead(500).end())
    const refusing = await receiver((_req, res) => res.writeHead(404).end())
    const logger = quietLogger()
    const notifier = createWebhookNotifier(options(logger))
    notifier.notify([{ url: down.url, format: 'json' }, { url: refusing.url, format: 'json' }], transition)
    await waitFor(() => notifier.counts.failed === 2, { timeout: 5000 })
    expect(down.received).toHaveLength(4)
    expect(refusing.received).toHaveLength(1)
    expect(logger.lines.filter(line => line.includes('gave up'))).toHaveLength(2)
  })

  it('keeps a bounded queue: past it notifications are dropped and counted, never buffered', async () => {
    const hook = await receiver(() => {}) // never answers
    const logger = quietLogger()
    const notifier = createWebhookNotifier({ ...options(logger), queueSize: 5, timeoutMs: 60_000 })
    for (let i = 0; i < 50; i++) notifier.notify([{ url: hook.url, format: 'json' }], transition)
    expect(notifier.pending()).toBe(5)
    expect(notifier.counts.dropped).toBe(45)
    notifier.close()
  })
})
