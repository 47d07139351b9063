import { z } from 'zod'
import { usePulse } from '../core/pulse'
import { clientError } from '../core/http'
import { isEventId } from '../core/broker/event-id'
import { firstRetainedId, planHistory, readHistoryFromLog } from '../core/metric-history'
import { describeIssue } from '../core/payload'
import { HISTORY_BUCKET_MS, encodeHistory } from '../../shared/history'
import { bucketOf, coarsen, coarseningFor } from '../core/history/reduction'
import { useReadPath } from '../core/history/read-path'
import { sendAnswer } from '../core/answers/send-answer'
import { useSecurity } from '../core/auth/security'
import { limitKey } from '../core/limits/client-ip'
import { takeToken } from '../core/limits/take-token'

/** The charts show at most 30 minutes; a little more covers clock skew. */
const MAX_LOOKBACK_MS = 60 * 60_000
/** Longest a request waits for the instance to load its history before reading the log itself. */
const LOAD_WAIT_MS = 2000
/** Identical requests within this long share one answer. */
const SHARE_MS = 1000
/** `?source=` names a chart focused on a few sources (at most 5 get lines of their own). */
const MAX_SOURCES_ASKED = 20

const Query = z.object({
  channel: z.literal('metrics', { error: 'only `metrics` has history' }).default('metrics'),
  since: z.string({ error: 'required: the oldest sample wanted, in epoch milliseconds (`?since=1764662400000`)' }).regex(/^\d{1,15}$/, { error: 'expected epoch milliseconds' }).transform(Number),
  until: z.string().refine(isEventId, { error: 'expected an event id (<ms>-<seq>)' }).optional(),
  source: z.union([z.string(), z.array(z.string())])
    .transform(names => [...new Set([names].flat())].sort())
    .pipe(z.array(z.string().min(1).max(128)).max(MAX_SOURCES_ASKED, { error: `at most ${MAX_SOURCES_ASKED} sources` }))
    .optional(),
})

/**
 * Chart history (`shared/history.ts`): `?since=<epoch ms>` (at most an hour
 * back, rounded down to a bucket), optionally `&until=<event id>` so the
 * answer ends exactly where the page's snapshot (and thus its stream) starts,
 * and `&source=<name>` (repeated) for those sources alone. Past 25 sources
 * the buckets widen so the answer stays that size (`coarseningFor`).
 * Served from the instance's memory when it can be exact, else from the log.
 *
 * `NUXT_HISTORY_READS_PER_MINUTE` counts only requests that cost a
 * computation: an office behind one address opening the dashboard at once
 * shares one answer, while a client varying the query to defeat sharing is
 * refused past the rate.
 */
export default defineEventHandler(async (event) => {
  const parsed = Query.safeParse(getQuery(event))
  if (!parsed.success) throw clientError(event, 400, describeIssue(parsed.error.issues[0]))
  const { since, until, source } = parsed.data
  const now = Date.now()
  if (since > now + 60_000) throw clientError(event, 400, 'field `since`: in the future')
  const { broker } = usePulse()
  const readPath = useReadPath()
  const sinceBucket = bucketOf(Math.max(since, now - MAX_LOOKBACK_MS), HISTORY_BUCKET_MS)
  const only = source ? new Set(source) : undefined
  const key = `history:${sinceBucket}:${until ?? 'newest'}${source ? `:${JSON.stringify(source)}` : ''}`
  if (!readPath.answers.has(key)) {
    const security = useSecurity()
    takeToken(event, security.historyReads, limitKey(security.clientAddress(event)), 'too many history reads from this address (NUXT_HISTORY_READS_PER_MINUTE)')
  }
  try {
    const answer = await readPath.answers.get(key, SHARE_MS, async () => {
      const to = until ?? await broker.lastId()
      const plan = planHistory(sinceBucket * HISTORY_BUCKET_MS, to, await firstRetainedId(broker, to), HISTORY_BUCKET_MS)
      await readPath.history.whenLoaded(LOAD_WAIT_MS)
      let reduced = readPath.history.answer(plan, only)
      if (reduced) readPath.historyCounts.fromMemory++
      else {
        readPath.historyCounts.fromLog++
        reduced = await readHistoryFromLog(broker, plan, only)
      }
      return encodeHistory(coarsen(reduced, coarseningFor(reduced.sources.size)))
    })
    return await sendAnswer(event, answer)
  }
  catch {
    setResponseHeader(event, 'Retry-After', 1)
    throw clientError(event, 503, 'history unavailable: the broker cannot be reached')
  }
})
