import type { MetricField } from '../../../shared/channels'
import { METRIC_FIELDS } from '../../../shared/channels'
import type { ReducedHistory, SourceHistory } from '../../../shared/history'
import { emptySourceHistory } from '../../../shared/history'

export const FIELD_COUNT = METRIC_FIELDS.length

/** A metric sample as history keeps it: log time, sample time and the fields in `METRIC_FIELDS` order. */
export interface HistorySample {
  /** Millisecond part of the event id (log time): decides the bucket. */
  idMs: number
  /** The sample's own timestamp (epoch ms): kept for exact samples. */
  t: number
  values: ArrayLike<number>
}

export function bucketOf(ms: number, bucketMs: number): number {
  return Math.floor(ms / bucketMs)
}

/**
 * Folds `v` into a bucket's pair of extremes kept in arrival order: the pair
 * is always (the extreme that came first, the one that came last), so it is
 * its own state and needs no flag.
 */
export function foldExtremes(first: number, second: number, v: number): [number, number] {
  const lo = Math.min(first, second)
  const hi = Math.max(first, second)
  if (v < lo) return [hi, v]
  if (v > hi) return [lo, v]
  return [first, second]
}

/** The window an answer covers; both ways of building it (memory and log) use the same plan. */
export interface HistoryPlan {
  until: string
  bucketMs: number
  startBucket: number
  exactBucket: number
}

/**
 * Builds a reduced history from samples given in log order (per source,
 * buckets never go back). Buckets before `startBucket` are skipped, buckets
 * from `exactBucket` on keep every sample.
 */
export class HistoryBuilder {
  private readonly sources = new Map<string, SourceHistory>()

  /** `only`: the sources wanted (all when absent); samples of others are skipped. */
  constructor(readonly plan: HistoryPlan, readonly only?: ReadonlySet<string>) {}

  add(source: string, sample: HistorySample): void {
    if (this.only && !this.only.has(source)) return
    const bucket = bucketOf(sample.idMs, this.plan.bucketMs)
    if (bucket < this.plan.startBucket) return
    const history = this.historyOf(source)
    if (bucket >= this.plan.exactBucket) {
      history.exact.t.push(sample.t)
      METRIC_FIELDS.forEach((field, f) => history.exact.values[field].push(sample.values[f]!))
      return
    }
    const last = history.buckets.length - 1
    if (last >= 0 && history.buckets[last] === bucket) {
      METRIC_FIELDS.forEach((field, f) => {
        const pairs = history.extremes[field]
        const [first, second] = foldExtremes(pairs[2 * last]!, pairs[2 * last + 1]!, sample.values[f]!)
        pairs[2 * last] = first
        pairs[2 * last + 1] = second
      })
      return
    }
    history.buckets.push(bucket)
    METRIC_FIELDS.forEach((field, f) => history.extremes[field].push(sample.values[f]!, sample.values[f]!))
  }

  /** Adds a bucket already folded elsewhere (`pairs`: first and second extreme per field, field-major). */
  addFolded(source: string, bucket: number, pairs: ArrayLike<number>, offset: number): void {
    if (bucket < this.plan.startBucket || bucket >= this.plan.exactBucket || (this.only && !this.only.has(source))) return
    const history = this.historyOf(source)
    history.buckets.push(bucket)
    METRIC_FIELDS.forEach((field: MetricField, f) => history.extremes[field].push(pairs[offset + 2 * f]!, pairs[offset + 2 * f + 1]!))
  }

  /** Sources in name order, so the same history always encodes to the same bytes. */
  result(): ReducedHistory {
    const names = [...this.sources.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    return { channel: 'metrics', ...this.plan, sources: new Map(names.map(name => [name, this.sources.get(name)!])) }
  }

  private historyOf(source: string): SourceHistory {
    let history = this.sources.get(source)
    if (!history) {
      history = emptySourceHistory()
      this.sources.set(source, history)
    }
    return history
  }
}

/**
 * Sources an answer carries at full bucket resolution (a fleet of 20 hosts
 * and a few instances of its own). Past it, the reduced buckets widen (2× at
 * 26–50 sources, 4× at 100) so the answer stays about the size of this many
 * sources': a chart of a fleet draws its band and its worst
 * few lines, which a coarser history still shows whole (every bucket keeps its
 * extremes, so spikes survive), and a chart focused on a few sources asks for
 * them alone, at full resolution (`?source=`).
 */
export const FULL_DETAIL_SOURCES = 25

/** How many base buckets make one of an answer's with `sources` sources. */
export function coarseningFor(sources: number): number {
  return Math.max(1, Math.ceil(sources / FULL_DETAIL_SOURCES))
}

/**
 * The same history with `factor` consecutive reduced buckets merged into one
 * (their extremes folded in arrival order, as if the samples had been folded
 * into the wider bucket directly). Exact samples stay as they are; the last
 * wide bucket may reach into the time they cover (the dashboard lets exact
 * samples win and clips buckets at `until`).
 */
export function coarsen(history: ReducedHistory, factor: number): ReducedHistory {
  if (factor <= 1) return history
  const sources = new Map<string, SourceHistory>()
  for (const [name, source] of history.sources) {
    const wide = emptySourceHistory()
    wide.exact = source.exact
    source.buckets.forEach((bucket, i) => {
      const number = Math.floor(bucket / factor)
      const last = wide.buckets.length - 1
      if (last < 0 || wide.buckets[last] !== number) {
        wide.buckets.push(number)
        for (const field of METRIC_FIELDS) wide.extremes[field].push(source.extremes[field][2 * i]!, source.extremes[field][2 * i + 1]!)
        return
      }
      for (const field of METRIC_FIELDS) {
        const pairs = wide.extremes[field]
        let [first, second] = [pairs[2 * last]!, pairs[2 * last + 1]!]
        ;[first, second] = foldExtremes(first, second, source.extremes[field][2 * i]!)
        ;[first, second] = foldExtremes(first, second, source.extremes[field][2 * i + 1]!)
        pairs[2 * last] = first
        pairs[2 * last + 1] = second
      }
    })
    sources.set(name, wide)
  }
  return {
    ...history,
    bucketMs: history.bucketMs * factor,
    startBucket: Math.floor(history.startBucket / factor),
    exactBucket: Math.floor(history.exactBucket / factor),
    sources,
  }
}
