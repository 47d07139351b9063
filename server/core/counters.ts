/** Exact per-instance counts behind `/api/sse/stats` (and `/metrics`). */
export interface Counters {
  eventsPublished: number
  eventsDelivered: number
  invalidDropped: number
  slowDisconnects: number
  /** Events refused because their source was new and `NUXT_MAX_SOURCES` were tracked already. */
  sourcesRefused: number
  /** `/api/history`, `/api/snapshot` (and the SSR page's snapshot): answers computed, and requests that shared one. */
  answers: { computed: number, shared: number }
  /** The dashboard page: renders, and requests served another request's render. */
  pages: { computed: number, shared: number }
}

export function createCounters(): Counters {
  return { eventsPublished: 0, eventsDelivered: 0, invalidDropped: 0, slowDisconnects: 0, sourcesRefused: 0, answers: { computed: 0, shared: 0 }, pages: { computed: 0, shared: 0 } }
}
