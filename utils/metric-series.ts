import type { MetricField } from '#shared/channels'
import { METRIC_FIELDS } from '#shared/channels'

/** One metric sample as the charts need it: time in epoch ms and every field. */
export interface SamplePoint {
  source: string
  t: number
  values: Readonly<Record<MetricField, number>>
}

/**
 * Sources the browser keeps chart data for. Each costs 5 columns of up to
 * 1,800 seconds; names come from producers, so without a bound a fleet that
 * renames itself (pods) would grow the tab's heap for 30 minutes. Past it,
 * the source that has been silent longest makes room.
 */
export const MAX_CHART_SOURCES = 300

/** uPlot's aligned layout: `[times, series1, series2, …]`, times in seconds. */
export type AlignedData = [number[], ...(number | null)[][]]

/**
 * The charts' data: samples of every source on one time axis of whole
 * seconds (sources publish once a second), a column per source and field.
 * A second without a sample from a source stays `null`, so a real outage
 * shows as a break in the line instead of a straight interpolation.
 *
 * Adding is idempotent (the same second of the same source is overwritten),
 * so history and the live stream can overlap or arrive in any order.
 */
export class MetricSeries {
  /** Seconds, strictly increasing. */
  readonly times: number[] = []
  /** Source names, sorted, so a source keeps its line colour across reloads. */
  readonly sources: string[] = []
  /**
   * Per second (aligned with `times`), a number that changes whenever a sample
   * in that second is written: what was computed from a second (the fleet's
   * band) can be kept until its stamp changes.
   */
  readonly stamps: number[] = []
  private stamp = 0
  private readonly columns = new Map<string, Record<MetricField, (number | null)[]>>()
  /** Newest second seen per source, to find the longest-silent one when full. */
  private readonly newest = new Map<string, number>()

  constructor(private readonly spanSeconds: number, private readonly maxSources = MAX_CHART_SOURCES) {}

  add(point: SamplePoint): void {
    const second = Math.floor(point.t / 1000)
    if (!this.columns.has(point.source) && this.columns.size >= this.maxSources && !this.evictSilentBefore(second)) return
    const columns = this.columnsOf(point.source)
    this.newest.set(point.source, Math.max(second, this.newest.get(point.source) ?? second))
    const index = this.slot(second)
    for (const field of METRIC_FIELDS) columns[field][index] = point.values[field]
    this.stamps[index] = ++this.stamp
  }

  /**
   * Adds a point that holds for `spanMs` (a reduced stretch of history):
   * every whole second it covers gets its values, so the line stays
   * continuous through it. A span of 0 is a single sample.
   */
  addSpan(point: SamplePoint, spanMs: number): void {
    const end = Math.max(point.t + 1, point.t + spanMs)
    for (let t = point.t; t < end; t += 1000) this.add({ ...point, t })
  }

  /** Drops seconds older than the span before `nowMs`, and sources left without data. */
  trim(nowMs: number): void {
    const cutoff = Math.floor(nowMs / 1000) - this.spanSeconds
    let drop = 0
    while (drop < this.times.length && this.times[drop]! < cutoff) drop++
    if (drop === 0) return
    this.times.splice(0, drop)
    this.stamps.splice(0, drop)
    for (const columns of this.columns.values()) {
      for (const field of METRIC_FIELDS) columns[field].splice(0, drop)
    }
    for (const source of [...this.sources]) {
      if (!this.columns.get(source)!.cpu.some(value => value !== null)) this.removeSource(source)
    }
  }

  /** Aligned data for one field, sources in `this.sources` order. */
  aligned(field: MetricField): AlignedData {
    return [this.times, ...this.sources.map(source => this.columns.get(source)![field])]
  }

  /** How many seconds hold a sample of `source` (what a chart can show). */
  count(source: string): number {
    return this.columns.get(source)?.cpu.reduce<number>((n, value) => (value === null ? n : n + 1), 0) ?? 0
  }

  clear(): void {
    this.times.length = 0
    this.stamps.length = 0
    this.sources.length = 0
    this.columns.clear()
    this.newest.clear()
  }

  /** Makes room by dropping the longest-silent source, if it went silent before `second`. */
  private evictSilentBefore(second: number): boolean {
    let oldest: string | null = null
    for (const [source, newest] of this.newest) {
      if (oldest === null || newest < this.newest.get(oldest)!) oldest = source
    }
    if (oldest === null || this.newest.get(oldest)! >= second) return false
    this.removeSource(oldest)
    return true
  }

  private columnsOf(source: string): Record<MetricField, (number | null)[]> {
    let columns = this.columns.get(source)
    if (!columns) {
      columns = Object.fromEntries(METRIC_FIELDS.map(field => [field, Array.from<number | null>({ length: this.times.length }).fill(null)])) as Record<MetricField, (number | null)[]>
      this.columns.set(source, columns)
      this.sources.push(source)
      this.sources.sort()
    }
    return columns
  }

  private removeSource(source: string): void {
    this.columns.delete(source)
    this.newest.delete(source)
    this.sources.splice(this.sources.indexOf(source), 1)
  }

  /** Index of `second` on the axis, inserting it (with nulls everywhere) if missing. */
  private slot(second: number): number {
    const last = this.times.length - 1
    if (last < 0 || second > this.times[last]!) return this.insertAt(this.times.length, second)
    if (second === this.times[last]) return last
    let lo = 0
    let hi = this.times.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.times[mid]! < second) lo = mid + 1
      else hi = mid
    }
    return this.times[lo] === second ? lo : this.insertAt(lo, second)
  }

  private insertAt(index: number, second: number): number {
    this.times.splice(index, 0, second)
    this.stamps.splice(index, 0, ++this.stamp)
    for (const columns of this.columns.values()) {
      for (const field of METRIC_FIELDS) columns[field].splice(index, 0, null)
    }
    return index
  }
}
