import type { ReducedHistory } from '../../shared/history'
import type { Broker } from './broker/types'
import { compareEventIds, formatEventId, ORIGIN_ID, parseEventId } from './broker/event-id'
import type { HistoryPlan } from './history/reduction'
import { bucketOf, HistoryBuilder } from './history/reduction'
import { metricSample } from './history/history-store'

/**
 * The window an answer covers, the same whichever way it is built.
 *
 * Buckets are cut on log time. The first bucket is the one holding `since`,
 * but never the one holding the oldest retained event or anything before:
 * that bucket may have lost part of its samples to trimming (or a lost log),
 * and an instance that kept them in memory must answer exactly what one
 * that just read the log answers. The bucket holding `until` stays exact.
 */
export function planHistory(since: number, until: string, firstRetained: string | null, bucketMs: number): HistoryPlan {
  const untilBucket = until === ORIGIN_ID ? 0 : bucketOf(parseEventId(until)!.ms, bucketMs)
  if (firstRetained === null) return { until, bucketMs, startBucket: untilBucket + 1, exactBucket: untilBucket + 1 }
  const startBucket = Math.max(bucketOf(since, bucketMs), bucketOf(parseEventId(firstRetained)!.ms, bucketMs) + 1)
  return { until, bucketMs, startBucket, exactBucket: Math.max(startBucket, untilBucket) }
}

/**
 * Id of the oldest retained durable event up to `until`, or null when there
 * is none. Reads a few entries: ones the broker refuses as invalid are left
 * out of its answer.
 */
export async function firstRetainedId(broker: Pick<Broker, 'range'>, until: string): Promise<string | null> {
  if (until === ORIGIN_ID) return null
  const [first] = await broker.range(ORIGIN_ID, until, 16)
  return first?.id ?? null
}

/**
 * History built from the retained log (the reference the in-memory history
 * must equal, and its fallback): every durable metric sample from the plan's
 * first bucket up to `until` (inclusive) of the sources in `only` (or all), reduced.
 */
export async function readHistoryFromLog(broker: Pick<Broker, 'range'>, plan: HistoryPlan, only?: ReadonlySet<string>, pageSize = 2000): Promise<ReducedHistory> {
  const builder = new HistoryBuilder(plan, only)
  if (plan.until === ORIGIN_ID || plan.startBucket > bucketOf(parseEventId(plan.until)!.ms, plan.bucketMs)) return builder.result()
  let from = formatEventId({ ms: plan.startBucket * plan.bucketMs, seq: 0 })
  while (compareEventIds(from, plan.until) <= 0) {
    const page = await broker.range(from, plan.until, pageSize)
    for (const message of page) {
      const parsed = metricSample(message)
      if (parsed) builder.add(parsed.source, parsed.sample)
    }
    const last = page.at(-1)?.id
    if (!last) break
    const { ms, seq } = parseEventId(last)!
    from = formatEventId({ ms, seq: seq + 1 })
  }
  return builder.result()
}
