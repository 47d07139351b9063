import { z } from 'zod'
import { usePulse } from '../core/pulse'
import { clientError } from '../core/http'
import { isEventId } from '../core/broker/event-id'
import { readMetricHistory } from '../core/metric-history'
import { describeIssue } from '../core/payload'

/** The charts show at most 30 minutes; a little more covers clock skew. */
const MAX_LOOKBACK_MS = 60 * 60_000

const Query = z.object({
  channel: z.literal('metrics', { error: 'only `metrics` has history' }).default('metrics'),
  since: z.string({ error: 'required: the oldest sample wanted, in epoch milliseconds (`?since=1764662400000`)' }).regex(/^\d{1,15}$/, { error: 'expected epoch milliseconds' }).transform(Number),
  until: z.string().refine(isEventId, { error: 'expected an event id (<ms>-<seq>)' }).optional(),
})

/**
 * Retained metric samples for the charts: `?since=<epoch ms>` (at most an hour
 * back), optionally `&until=<event id>` so the answer ends exactly where the
 * page's snapshot (and thus its stream) starts.
 */
export default defineEventHandler(async (event) => {
  const parsed = Query.safeParse(getQuery(event))
  if (!parsed.success) throw clientError(event, 400, describeIssue(parsed.error.issues[0]))
  const { since, until } = parsed.data
  const now = Date.now()
  if (since > now + 60_000) throw clientError(event, 400, 'field `since`: in the future')
  const { broker } = usePulse()
  setResponseHeader(event, 'Cache-Control', 'no-store')
  try {
    return await readMetricHistory(broker, Math.max(since, now - MAX_LOOKBACK_MS), until ?? null)
  }
  catch {
    setResponseHeader(event, 'Retry-After', 1)
    throw clientError(event, 503, 'history unavailable: the broker cannot be reached')
  }
})
