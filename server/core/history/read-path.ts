import { HISTORY_BUCKET_MS } from '../../../shared/history'
import type { SharedAnswers } from '../answers/shared-answers'
import type { SharedPages } from '../answers/shared-pages'
import type { HistoryStore, HistoryStoreOptions } from './history-store'
import { bytesPerSource } from './source-buffer'

/** The chart window the dashboard shows (README, "The dashboard"). */
export const CHART_WINDOW_MS = 30 * 60_000

export const DEFAULT_HISTORY_OPTIONS: HistoryStoreOptions = {
  bucketMs: HISTORY_BUCKET_MS,
  windowMs: CHART_WINDOW_MS,
  // The window, the raw buckets and a margin for clock skew between viewer and server.
  buckets: CHART_WINDOW_MS / HISTORY_BUCKET_MS + 6 + 2,
  // A minute of raw samples per source at one per second, with room for faster sources.
  rawBuckets: 6,
  rawSamples: 128,
  maxSources: 1000,
  pageSize: 2000,
}

/** 24,736 bytes per source with the defaults (README, "The dashboard"). */
export const HISTORY_BYTES_PER_SOURCE = bytesPerSource(DEFAULT_HISTORY_OPTIONS)

/** What the history and snapshot endpoints, and the dashboard page, share on one instance. */
export interface ReadPath {
  history: HistoryStore
  answers: SharedAnswers
  pages: SharedPages
  /** History answers served from memory, and from the log (memory could not be exact). */
  historyCounts: { fromMemory: number, fromLog: number }
}

let current: ReadPath | null = null

export function setReadPath(readPath: ReadPath | null): void {
  current = readPath
}

/** Available once the `snapshot` Nitro plugin ran. */
export function useReadPath(): ReadPath {
  if (!current) throw new Error('the read path is not started (server/plugins/30.snapshot.ts)')
  return current
}
