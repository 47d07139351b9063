/**
 * The chart history answer of `GET /api/history` (README, "The dashboard"):
 * what a chart can show of the retained window, small on the wire.
 *
 * Time is cut into fixed buckets of log time (the millisecond part of event
 * ids, one clock for every instance). Per source, each bucket keeps the two
 * extremes of every field — its minimum and maximum, in the order they
 * arrived — so a one-second spike survives the reduction. The newest bucket
 * keeps its samples exactly (with their own timestamps), so the live stream,
 * which continues after `until`, joins without a step.
 *
 * Pure types and helpers with no dependency: the browser imports them.
 */
import type { MetricField } from './channels'
import { METRIC_FIELDS } from './channels'

export const HISTORY_VERSION = 1
/** Width of a reduced bucket: 180 buckets over the 30-minute chart window. */
export const HISTORY_BUCKET_MS = 10_000

/** One source, decoded: reduced buckets oldest first, then the exact recent samples. */
export interface SourceHistory {
  /** Absolute bucket numbers (bucket start = number × bucketMs), ascending; only buckets with samples. */
  buckets: number[]
  /** Per field, two values per bucket: the bucket's minimum and maximum, in arrival order. */
  extremes: Record<MetricField, number[]>
  /** Samples of the newest bucket(s), exactly as published. */
  exact: { t: number[], values: Record<MetricField, number[]> }
}

export interface ReducedHistory {
  channel: 'metrics'
  /** Id of the newest event covered (inclusive); the stream continues after it. */
  until: string
  bucketMs: number
  /** First bucket covered (absolute number). Samples before it are not in the answer. */
  startBucket: number
  /** First bucket kept exact (absolute number); buckets before it are reduced. */
  exactBucket: number
  sources: Map<string, SourceHistory>
}

/** A source on the wire: numbers only, bucket numbers and times delta-coded (they compress to almost nothing). */
export interface HistoryWireSource {
  /** Bucket numbers: the first relative to `startBucket`, then the gaps between them. */
  b: number[]
  /** Per field (in `fields` order): two values per bucket, in arrival order. */
  x: number[][]
  /** Exact sample times (epoch ms): the first absolute, then differences. */
  t: number[]
  /** Per field (in `fields` order): one value per exact sample. */
  v: number[][]
}

export interface HistoryWire {
  v: typeof HISTORY_VERSION
  channel: 'metrics'
  until: string
  bucketMs: number
  startBucket: number
  exactBucket: number
  fields: MetricField[]
  /** Source names and their histories, in the same order (names come from producers: no object keys). */
  names: string[]
  sources: HistoryWireSource[]
}

export function emptySourceHistory(): SourceHistory {
  return { buckets: [], extremes: fieldArrays(), exact: { t: [], values: fieldArrays() } }
}

export function fieldArrays(): Record<MetricField, number[]> {
  return { cpu: [], memory: [], rps: [], activeConnections: [], errorRate: [] }
}

function deltas(values: number[], base: number): number[] {
  const out = Array.from<number>({ length: values.length })
  let previous = base
  for (let i = 0; i < values.length; i++) {
    out[i] = values[i]! - previous
    previous = values[i]!
  }
  return out
}

function undeltas(values: number[], base: number): number[] {
  const out = Array.from<number>({ length: values.length })
  let previous = base
  for (let i = 0; i < values.length; i++) {
    previous += values[i]!
    out[i] = previous
  }
  return out
}

export function encodeHistory(history: ReducedHistory): HistoryWire {
  const names = [...history.sources.keys()]
  return {
    v: HISTORY_VERSION,
    channel: 'metrics',
    until: history.until,
    bucketMs: history.bucketMs,
    startBucket: history.startBucket,
    exactBucket: history.exactBucket,
    fields: [...METRIC_FIELDS],
    names,
    sources: names.map((name) => {
      const source = history.sources.get(name)!
      return {
        b: deltas(source.buckets, history.startBucket),
        x: METRIC_FIELDS.map(field => source.extremes[field]),
        t: deltas(source.exact.t, 0),
        v: METRIC_FIELDS.map(field => source.exact.values[field]),
      }
    }),
  }
}

/** Reads an answer; throws on a shape it does not know (the charts then start from the stream). */
export function decodeHistory(wire: HistoryWire): ReducedHistory {
  if (wire?.v !== HISTORY_VERSION || !Array.isArray(wire.names) || !Array.isArray(wire.sources)) {
    throw new TypeError('unknown history format')
  }
  const sources = new Map<string, SourceHistory>()
  wire.names.forEach((name, i) => {
    const source = wire.sources[i]!
    const history = emptySourceHistory()
    history.buckets = undeltas(source.b, wire.startBucket)
    history.exact.t = undeltas(source.t, 0)
    wire.fields.forEach((field, f) => {
      if (!(METRIC_FIELDS as readonly string[]).includes(field)) return
      history.extremes[field] = source.x[f] ?? []
      history.exact.values[field] = source.v[f] ?? []
    })
    sources.set(name, history)
  })
  return {
    channel: 'metrics',
    until: wire.until,
    bucketMs: wire.bucketMs,
    startBucket: wire.startBucket,
    exactBucket: wire.exactBucket,
    sources,
  }
}

/** One point for a chart: a time (epoch ms) and every field. */
export interface HistoryPoint {
  t: number
  values: Record<MetricField, number>
}

/**
 * The points a line chart draws for one source, oldest first: each reduced
 * bucket as its two extremes (the first over the bucket's first half, the
 * second over its second half, so the line reaches both), then the exact samples.
 * `span` gives how long each reduced point holds; none reaches past `until`
 * (a wide bucket of a large fleet's answer can end after it, and seconds the
 * stream has not brought yet must stay empty).
 */
export function historyPoints(history: ReducedHistory, source: SourceHistory): Array<HistoryPoint & { span: number }> {
  const points: Array<HistoryPoint & { span: number }> = []
  const half = history.bucketMs / 2
  const end = Number(history.until.split('-')[0]) + 1
  source.buckets.forEach((bucket, i) => {
    for (const k of [0, 1]) {
      const t = bucket * history.bucketMs + k * half
      if (t >= end) continue
      const values = {} as Record<MetricField, number>
      for (const field of METRIC_FIELDS) values[field] = source.extremes[field][2 * i + k]!
      points.push({ t, values, span: Math.min(half, end - t) })
    }
  })
  source.exact.t.forEach((t, i) => {
    const values = {} as Record<MetricField, number>
    for (const field of METRIC_FIELDS) values[field] = source.exact.values[field][i]!
    points.push({ t, values, span: 0 })
  })
  return points
}
