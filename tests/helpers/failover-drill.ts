import { expect } from 'vitest'
import { compareEventIds } from '../../server/core/broker/event-id'
import type { SseStream } from './sse-client'

export interface Acknowledged {
  n: number
  id: string
  /** ms from the first attempt to the acknowledgement */
  waitedMs: number
  attempts: number
}

export interface IdempotentCollector {
  readonly acknowledged: Acknowledged[]
  /** Status of every refused attempt (0: no answer). */
  readonly refused: number[]
  /** Longest time one event waited to be acknowledged: the outage as a collector sees it. */
  longestWaitMs(): number
  stop(): Promise<void>
}

/**
 * A collector that sends one alert every `everyMs` through the ingest API,
 * each with its own Idempotency-Key, and retries every refused attempt
 * (no answer, 5xx) with the same key until it is acknowledged. Attempts go to
 * the given instances in turn, as behind a load balancer.
 */
export function startIdempotentCollector(baseUrls: string[], token: string, { everyMs = 100, run = Date.now().toString(36) } = {}): IdempotentCollector {
  const acknowledged: Acknowledged[] = []
  const refused: number[] = []
  let stopped = false
  let turn = 0
  const attempt = async (n: number): Promise<string | null> => {
    const baseUrl = baseUrls[turn++ % baseUrls.length]!
    try {
      const response = await fetch(`${baseUrl}/api/ingest/alerts`, {
        method: 'POST',
        headers: { 'authorization': `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `drill-${run}-${n}` },
        body: JSON.stringify({ level: 'warning', message: `drill ${n}` }),
        signal: AbortSignal.timeout(5000),
      })
      const json = await response.json().catch(() => ({})) as { ids?: string[] }
      if (response.status === 200 && json.ids?.length === 1) return json.ids[0]!
      refused.push(response.status)
      if (response.status < 500) throw new Error(`ingest refused event ${n} for good: ${response.status} ${JSON.stringify(json)}`)
    }
    catch (error) {
      if (String(error).includes('for good')) throw error
      refused.push(0)
    }
    return null
  }
  const loop = async () => {
    for (let n = 0; !stopped; n++) {
      const started = Date.now()
      for (let attempts = 1; ; attempts++) {
        const id = await attempt(n)
        if (id) {
          acknowledged.push({ n, id, waitedMs: Date.now() - started, attempts })
          break
        }
        if (stopped) return
        await new Promise(resolve => setTimeout(resolve, 100))
      }
      await new Promise(resolve => setTimeout(resolve, Math.max(0, everyMs - (Date.now() - started))))
    }
  }
  const done = loop()
  return {
    acknowledged,
    refused,
    longestWaitMs: () => Math.max(0, ...acknowledged.map(a => a.waitedMs)),
    async stop() {
      stopped = true
      await done
    },
  }
}

/**
 * Every acknowledged event reached the stream exactly once, in id order; the
 * stream carried no other drill event twice. A `reset` would excuse
 * repeats (the client starts again from a snapshot), so it is reported.
 */
export function expectExactlyOnce(stream: SseStream, acknowledged: Acknowledged[]): { resets: number } {
  const drill = stream.durable.filter(e => e.event === 'alert' && e.data.includes('"drill '))
  const ids = drill.map(e => e.id!)
  const seen = new Map<string, number>()
  for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1)
  const missing = acknowledged.filter(a => !seen.has(a.id)).map(a => a.n)
  const repeated = [...seen].filter(([, count]) => count > 1).map(([id]) => id)
  expect({ missing, repeated }).toEqual({ missing: [], repeated: [] })
  const messages = drill.map(e => (JSON.parse(e.data) as { message: string }).message)
  const resets = stream.events.filter(e => e.event === 'reset').length
  if (resets === 0) {
    expect(new Set(messages).size).toBe(messages.length)
    const outOfOrder = ids.filter((id, i) => i > 0 && compareEventIds(id, ids[i - 1]!) <= 0)
    expect(outOfOrder).toEqual([])
  }
  return { resets }
}
