import { ingest } from './sse-client'

/** No answer, rate limited, bad gateway, unavailable, gateway timeout: try again. Anything else is final. */
const RETRYABLE = new Set([0, 429, 502, 503, 504])

export interface IngestLoop {
  /** Ids of the events the ingest API accepted (200), in order. */
  readonly accepted: string[]
  /** Status of every refused attempt (0: no answer), each retried. */
  readonly refused: number[]
  stop(): Promise<void>
}

/**
 * A collector publishing alerts one after another through the load
 * balancer while a fault happens. A refused attempt (503 while Redis is away,
 * 502 when the instance died with the request) is retried, as a collector
 * would; only 200 answers count as accepted. Bounded: it stops by itself after
 * `max` events.
 */
export function startIngestLoop(baseUrl: string, token: string, { max = 2000, pauseMs = 20 } = {}): IngestLoop {
  const accepted: string[] = []
  const refused: number[] = []
  let stopped = false
  const run = async () => {
    for (let n = 0; n < max && !stopped; n++) {
      // Bounded too: a collector gives an event up after a minute of refusals.
      for (let attempt = 0; attempt < 600; attempt++) {
        const status = await ingest(baseUrl, 'alerts', { level: 'warning', message: `fault drill event ${n}` }, token)
          .then(({ status, json }) => {
            if (status === 200) accepted.push(...(json.ids as string[]))
            return status
          }, () => 0)
        if (status === 200 || stopped) break
        refused.push(status)
        if (!RETRYABLE.has(status)) break
        // A rate-limited collector slows down; the others retry soon.
        await new Promise(resolve => setTimeout(resolve, status === 429 ? 1000 : 100))
      }
      await new Promise(resolve => setTimeout(resolve, pauseMs))
    }
  }
  const done = run()
  return {
    accepted,
    refused,
    async stop() {
      stopped = true
      await done
    },
  }
}
