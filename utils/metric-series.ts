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
 * 1,860 seconds; names come from producers, so without a bound a fleet that
 * renames itself (pods) would grow the tab's heap for 30 minutes. Past it,
 * the source that has been silent longest makes room.
 */
export const MAX_CHART_SOURCES = 300

/** Seconds held beyond the span, so history reaching a little further back than the window still lands. */
const SLACK_SECONDS = 60

/** uPlot's aligned layout: `[seconds, series1, series2, …]`. */
export type AlignedData = [number[], ...(number | null)[][]]

/** Where a second lives in the rings, and when it last changed (what the band cache needs). */
export interface RingAxis {
  /** Slots in a ring: seconds map to `slot(second)` in `0…capacity - 1`. */
  readonly capacity: number
  slot: (second: number) => number
  stampAt: (second: number) => number
}

/**
 * The charts' data: samples of every source on one axis of consecutive whole
 * seconds (sources publish once a second), a column per source and field.
 * A second without a sample from a source is a gap, so a real outage shows
 * as a break in the line instead of a straight interpolation.
 *
 * Columns are rings of `Float32Array` indexed by `second % capacity`, NaN
 * where there is no sample: allocated once per source, so a tab on a wall
 * screen keeps the same heap whether it has shown one hour or one month
 * (plain arrays of numbers box every value, and grew as live seconds
 * replaced the history's repeated ones). Float32 keeps 7 significant
 * digits, more than a chart or its legend shows.
 *
 * Adding is idempotent (the same second of the same source is overwritten),
 * so history and the live stream can overlap or arrive in any order.
 */
export class MetricSeries implements RingAxis {
  /** Source names, sorted, so a source keeps its line colour across reloads. */
  readonly sources: string[] = []
  readonly capacity: number
  /** Oldest and newest second held; `newest < oldest` when empty. Seconds outside hold NaN everywhere. */
  private oldest = 0
  private newest = -1
  /**
   * Per slot, a number that changes whenever the second there is written or
   * cleared: what was computed from a second (the fleet's band) can be kept
   * until its stamp changes.
   */
  private readonly stamps: Float64Array
  private stamp = 0
  private readonly columns = new Map<string, Float32Array[]>()
  /** Newest second seen per source, to find the longest-silent one when full and drop those left without data. */
  private readonly newestOf = new Map<string, number>()

  constructor(private readonly spanSeconds: number, private readonly maxSources = MAX_CHART_SOURCES) {
    this.capacity = spanSeconds + SLACK_SECONDS
    this.stamps = new Float64Array(this.capacity)
  }

  add(point: SamplePoint): void {
    this.write(point, Math.floor(point.t / 1000), 1)
  }

  /**
   * Adds a point that holds for `spanMs` (a reduced stretch of history):
   * every whole second it covers gets its values, so the line stays
   * continuous through it. A span of 0 is a single sample.
   */
  addSpan(point: SamplePoint, spanMs: number): void {
    this.write(point, Math.floor(point.t / 1000), Math.max(1, Math.ceil(spanMs / 1000)))
  }

  /** Drops seconds older than the span before `nowMs`, and sources left without data. */
  trim(nowMs: number): void {
    const cutoff = Math.floor(nowMs / 1000) - this.spanSeconds
    if (this.isEmpty() || cutoff <= this.oldest) return
    const end = Math.min(cutoff, this.newest + 1)
    this.clear(this.oldest, end)
    this.oldest = cutoff
    if (this.newest < this.oldest) this.newest = this.oldest - 1
    for (const source of [...this.sources]) {
      if (this.newestOf.get(source)! < this.oldest) this.removeSource(source)
    }
  }

  /** The held seconds from `from` on (all of them by default), consecutive. */
  seconds(from = Number.NEGATIVE_INFINITY): Float64Array {
    const start = Math.max(this.oldest, Math.ceil(from))
    const length = Math.max(0, this.newest - start + 1)
    const seconds = new Float64Array(length)
    for (let i = 0; i < length; i++) seconds[i] = start + i
    return seconds
  }

  /** One source's values of `field` at `seconds`, null where it has none (uPlot's gap). */
  column(source: string, field: MetricField, seconds: ArrayLike<number>): (number | null)[] {
    const column = this.ring(source, field)
    const values = Array.from<number | null>({ length: seconds.length })
    for (let i = 0; i < seconds.length; i++) {
      const value = column ? column[this.slot(seconds[i]!)]! : Number.NaN
      values[i] = Number.isNaN(value) ? null : value
    }
    return values
  }

  /** The raw ring of `field` for `source` (NaN where no sample), indexed by `slot(second)`. */
  ring(source: string, field: MetricField): Float32Array | undefined {
    return this.columns.get(source)?.[METRIC_FIELDS.indexOf(field)]
  }

  slot(second: number): number {
    return second % this.capacity
  }

  stampAt(second: number): number {
    return this.stamps[this.slot(second)]!
  }

  /** Every held second of one field, sources in `this.sources` order (tests and debugging). */
  aligned(field: MetricField): AlignedData {
    const seconds = this.seconds()
    return [Array.from(seconds), ...this.sources.map(source => this.column(source, field, seconds))]
  }

  /** How many seconds hold a sample of `source` (what a chart can show). */
  count(source: string): number {
    const cpu = this.columns.get(source)?.[0]
    if (!cpu) return 0
    let n = 0
    for (const value of cpu) if (!Number.isNaN(value)) n++
    return n
  }

  private isEmpty(): boolean {
    return this.newest < this.oldest
  }

  /** Writes `point`'s values into `count` seconds from `first`, growing the held range as needed. */
  private write(point: SamplePoint, first: number, count: number): void {
    const last = first + count - 1
    if (!this.columns.has(point.source) && this.columns.size >= this.maxSources && !this.evictSilentBefore(last)) return
    if (!this.hold(first, last)) return
    const columns = this.columnsOf(point.source)
    this.newestOf.set(point.source, Math.max(last, this.newestOf.get(point.source) ?? last))
    const from = Math.max(first, this.oldest)
    for (const [f, field] of METRIC_FIELDS.entries()) {
      const value = point.values[field]
      const column = columns[f]!
      for (let second = from; second <= last; second++) column[this.slot(second)] = value
    }
    for (let second = from; second <= last; second++) this.stamps[this.slot(second)] = ++this.stamp
  }

  /**
   * Makes the held range reach `first`…`last`: moving on to a newer second
   * clears what the ring held in its slots; an older one is taken as long as
   * the range still fits. False when nothing of it can be held (too old).
   */
  private hold(first: number, last: number): boolean {
    if (!this.isEmpty() && last - this.capacity + 1 > this.newest) {
      // Everything held is out of the ring's reach from `last`.
      this.clear(this.oldest, this.newest + 1)
      this.newest = this.oldest - 1
    }
    if (this.isEmpty()) {
      this.oldest = Math.max(first, last - this.capacity + 1)
      this.newest = last
      return true
    }
    if (last > this.newest) {
      const start = Math.max(this.newest + 1, last - this.capacity + 1)
      this.clear(start, last + 1)
      this.newest = last
      this.oldest = Math.max(this.oldest, last - this.capacity + 1)
    }
    if (last < this.newest - this.capacity + 1) return false
    // Slots of seconds before `oldest` hold NaN already (they belong to seconds past `newest`).
    this.oldest = Math.min(this.oldest, Math.max(first, this.newest - this.capacity + 1))
    return true
  }

  /** Empties the slots of seconds `from` (inclusive) to `to` (exclusive) in every column. */
  private clear(from: number, to: number): void {
    for (let second = from; second < Math.min(to, from + this.capacity); second++) {
      const slot = this.slot(second)
      for (const columns of this.columns.values()) for (const column of columns) column[slot] = Number.NaN
      this.stamps[slot] = ++this.stamp
    }
  }

  /** Makes room by dropping the longest-silent source, if it went silent before `second`. */
  private evictSilentBefore(second: number): boolean {
    let oldest: string | null = null
    for (const [source, newest] of this.newestOf) {
      if (oldest === null || newest < this.newestOf.get(oldest)!) oldest = source
    }
    if (oldest === null || this.newestOf.get(oldest)! >= second) return false
    this.removeSource(oldest)
    return true
  }

  private columnsOf(source: string): Float32Array[] {
    let columns = this.columns.get(source)
    if (!columns) {
      columns = METRIC_FIELDS.map(() => new Float32Array(this.capacity).fill(Number.NaN))
      this.columns.set(source, columns)
      this.sources.push(source)
      this.sources.sort()
    }
    return columns
  }

  private removeSource(source: string): void {
    this.columns.delete(source)
    this.newestOf.delete(source)
    this.sources.splice(this.sources.indexOf(source), 1)
  }
}
