import { randomUUID } from 'node:crypto'

export interface FleetSample {
  source: string
  cpu: number
  memory: number
  rps: number
  activeConnections: number
  errorRate: number
  timestamp?: number
}

/** Per-source values: calm and varied, except the sources a test marks as hot. */
export type FleetShape = (source: string, index: number, second: number) => Omit<FleetSample, 'source' | 'timestamp'>

export const calmFleet: FleetShape = (_source, index, second) => {
  const wave = Math.sin((second + index * 7) / 40)
  return {
    cpu: Math.round((18 + (index * 37) % 35 + 8 * wave) * 10) / 10,
    memory: Math.round((35 + (index * 53) % 25 + 3 * wave) * 10) / 10,
    rps: Math.round(40 + (index * 29) % 120 + 15 * wave),
    activeConnections: 5 + (index * 11) % 40,
    errorRate: Math.round(Math.max(0, 0.1 + 0.1 * wave) * 100) / 100,
  }
}

/** The ingest API takes at most 1,000 events per request. */
const BATCH = 1000

/** Longest a batch is retried while the instance answers 503 (its broker still connecting, say). */
const RETRY_FOR_MS = 30_000

/**
 * Publishes as a collector does: each batch under its own Idempotency-Key,
 * resent after a 503 (the README's contract: nothing was published, retry)
 * until accepted. Anything else than 200 or 503 is a failure.
 */
async function publish(baseUrl: string, token: string, samples: FleetSample[]): Promise<void> {
  for (let i = 0; i < samples.length; i += BATCH) {
    const key = randomUUID()
    const giveUpAt = Date.now() + RETRY_FOR_MS
    for (;;) {
      const response = await fetch(`${baseUrl}/api/ingest/metrics`, {
        method: 'POST',
        headers: { 'authorization': `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(samples.slice(i, i + BATCH)),
      })
      const text = await response.text()
      if (response.status === 200) break
      if (response.status !== 503 || Date.now() > giveUpAt) throw new Error(`ingest answered ${response.status}: ${text}`)
      await new Promise(resolve => setTimeout(resolve, 1000 * Number(response.headers.get('retry-after') ?? 1)))
    }
  }
}

/**
 * Collectors of a fleet publishing through the ingest API: `seedHistory`
 * writes the last `seconds` of samples (timestamps in the past, so charts
 * have a history), `start` publishes one sample per source every second
 * until stopped. Sources listed in `silent` send history only: they go stale.
 */
export function fleetFeeder(baseUrl: string, token: string, sources: readonly string[], { shape = calmFleet, silent = new Set<string>() }: { shape?: FleetShape, silent?: ReadonlySet<string> } = {}) {
  const sample = (source: string, index: number, ms: number): FleetSample => ({ source, ...shape(source, index, Math.floor(ms / 1000)), timestamp: ms })
  let timer: ReturnType<typeof setInterval> | undefined
  let pending: Promise<void> = Promise.resolve()
  return {
    async seedHistory(seconds: number): Promise<void> {
      const now = Date.now()
      const samples: FleetSample[] = []
      for (let s = seconds; s >= 1; s--) sources.forEach((source, i) => samples.push(sample(source, i, now - s * 1000)))
      await publish(baseUrl, token, samples)
    },
    start(): void {
      const tick = () => {
        const now = Date.now()
        pending = publish(baseUrl, token, sources.flatMap((source, i) => (silent.has(source) ? [] : [sample(source, i, now)]))).catch(() => {})
      }
      tick()
      timer = setInterval(tick, 1000)
    },
    async stop(): Promise<void> {
      clearInterval(timer)
      await pending
    },
  }
}
