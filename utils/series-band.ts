/**
 * Aggregates across sources, per second of a chart: the min–max band, the
 * median and the 95th percentile, so one chart stays readable whether it
 * stands for 1 source or 1,000. Sources without a sample in a second (not yet
 * started, gone, a gap) are left out of that second; a second with no sample
 * at all stays null, a break in the chart like a single source's outage.
 */
import type { RingAxis } from './metric-series'

export interface Band {
  min: (number | null)[]
  median: (number | null)[]
  p95: (number | null)[]
  max: (number | null)[]
}

/**
 * Quantile of sorted values by linear interpolation between closest ranks
 * (the spreadsheet `PERCENTILE.INC` definition): the median of 2 values is
 * their mean, p95 of 1 value is that value.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length
  if (n === 0) return Number.NaN
  const rank = (n - 1) * q
  const lo = Math.floor(rank)
  const hi = Math.min(n - 1, lo + 1)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo)
}

/** The band over `columns` (one per source, aligned; null or NaN for no sample) for indexes `from` (inclusive) to `to` (exclusive). */
export function bandOf(columns: readonly ArrayLike<number | null>[], from: number, to: number): Band {
  const length = Math.max(0, to - from)
  const band: Band = { min: new Array(length), median: new Array(length), p95: new Array(length), max: new Array(length) }
  const scratch = new Float64Array(columns.length)
  const out = new Float64Array(4)
  for (let i = 0; i < length; i++) {
    let n = 0
    for (const column of columns) {
      const value = column[from + i]
      if (value !== null && value !== undefined && !Number.isNaN(value)) scratch[n++] = value
    }
    bandOfValues(scratch, n, out, 0)
    setBand(band, i, out, 0)
  }
  return band
}

/** Writes min, median, p95 and max of the first `n` of `values` (sorted in place) at `at` in `out`; NaN when `n` is 0. */
function bandOfValues(values: Float64Array, n: number, out: Float64Array, at: number): void {
  if (n === 0) {
    out.fill(Number.NaN, at, at + 4)
    return
  }
  const sorted = values.subarray(0, n).sort()
  out[at] = sorted[0]!
  out[at + 1] = quantileSorted(sorted, 0.5)
  out[at + 2] = quantileSorted(sorted, 0.95)
  out[at + 3] = sorted[n - 1]!
}

function setBand(band: Band, i: number, values: Float64Array, at: number): void {
  const value = (k: number) => (Number.isNaN(values[at + k]!) ? null : values[at + k]!)
  band.min[i] = value(0)
  band.median[i] = value(1)
  band.p95[i] = value(2)
  band.max[i] = value(3)
}

/**
 * The band of a chart window, kept between redraws: a second is computed
 * again only when its stamp (`RingAxis.stampAt`) changed, or when the sources
 * it is over changed (`key`). Redrawing each second then costs the newest
 * seconds, not the whole window (900 seconds × hundreds of sources, per
 * chart). Kept in typed arrays on the series' slots: its memory is fixed.
 */
export class BandCache {
  private key = ''
  /** Per slot: the second cached there (NaN for none), its stamp, and min, median, p95, max. */
  private seconds = new Float64Array(0)
  private stamps = new Float64Array(0)
  private values = new Float64Array(0)
  private scratch = new Float64Array(0)

  /** The band at `seconds` over `rings` (one per source, indexed by `axis.slot`, NaN for no sample). */
  band(key: string, rings: readonly ArrayLike<number>[], seconds: ArrayLike<number>, axis: RingAxis): Band {
    if (key !== this.key || this.seconds.length !== axis.capacity) {
      this.key = key
      this.seconds = new Float64Array(axis.capacity).fill(Number.NaN)
      this.stamps = new Float64Array(axis.capacity)
      this.values = new Float64Array(4 * axis.capacity)
    }
    if (this.scratch.length < rings.length) this.scratch = new Float64Array(rings.length)
    const length = seconds.length
    const band: Band = { min: new Array(length), median: new Array(length), p95: new Array(length), max: new Array(length) }
    for (let i = 0; i < length; i++) {
      const second = seconds[i]!
      const slot = axis.slot(second)
      const stamp = axis.stampAt(second)
      if (this.seconds[slot] !== second || this.stamps[slot] !== stamp) {
        let n = 0
        for (const ring of rings) {
          const value = ring[slot]!
          if (!Number.isNaN(value)) this.scratch[n++] = value
        }
        bandOfValues(this.scratch, n, this.values, 4 * slot)
        this.seconds[slot] = second
        this.stamps[slot] = stamp
      }
      setBand(band, i, this.values, 4 * slot)
    }
    return band
  }
}
