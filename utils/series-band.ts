/**
 * Aggregates across sources, per second of a chart: the min–max band, the
 * median and the 95th percentile, so one chart stays readable whether it
 * stands for 1 source or 1,000. Sources without a sample in a second (not yet
 * started, gone, a gap) are left out of that second; a second with no sample
 * at all stays null, a break in the chart like a single source's outage.
 */
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

/** The band over `columns` (one per source, aligned) for indexes `from` (inclusive) to `to` (exclusive). */
export function bandOf(columns: readonly (readonly (number | null)[])[], from: number, to: number): Band {
  const length = Math.max(0, to - from)
  const band: Band = { min: new Array(length), median: new Array(length), p95: new Array(length), max: new Array(length) }
  const scratch = new Float64Array(columns.length)
  for (let i = 0; i < length; i++) setBandAt(band, i, columns, from + i, scratch)
  return band
}

/** Writes the band of one second (`index` in the columns) at `at` in `band`. */
function setBandAt(band: Band, at: number, columns: readonly (readonly (number | null)[])[], index: number, scratch: Float64Array): void {
  let n = 0
  for (const column of columns) {
    const value = column[index]
    if (value !== null && value !== undefined) scratch[n++] = value
  }
  if (n === 0) {
    band.min[at] = band.median[at] = band.p95[at] = band.max[at] = null
    return
  }
  const values = scratch.subarray(0, n).sort()
  band.min[at] = values[0]!
  band.max[at] = values[n - 1]!
  band.median[at] = quantileSorted(values, 0.5)
  band.p95[at] = quantileSorted(values, 0.95)
}

/**
 * The band of a chart window, kept between redraws: a second is computed
 * again only when its stamp (MetricSeries.stamps) changed, or when the sources
 * it is over changed (`key`). Redrawing each second then costs the newest
 * seconds, not the whole window (900 seconds × hundreds of sources, per chart).
 */
export class BandCache {
  private key = ''
  private readonly seconds = new Map<number, { stamp: number, band: Band }>()
  private scratch = new Float64Array(0)

  band(key: string, columns: readonly (readonly (number | null)[])[], times: readonly number[], stamps: readonly number[], from: number): Band {
    if (key !== this.key) {
      this.key = key
      this.seconds.clear()
    }
    if (this.scratch.length < columns.length) this.scratch = new Float64Array(columns.length)
    const length = Math.max(0, times.length - from)
    const band: Band = { min: new Array(length), median: new Array(length), p95: new Array(length), max: new Array(length) }
    for (let i = 0; i < length; i++) {
      const second = times[from + i]!
      const stamp = stamps[from + i]!
      let entry = this.seconds.get(second)
      if (!entry || entry.stamp !== stamp) {
        entry = { stamp, band: { min: [null], median: [null], p95: [null], max: [null] } }
        setBandAt(entry.band, 0, columns, from + i, this.scratch)
        this.seconds.set(second, entry)
      }
      band.min[i] = entry.band.min[0] ?? null
      band.median[i] = entry.band.median[0] ?? null
      band.p95[i] = entry.band.p95[0] ?? null
      band.max[i] = entry.band.max[0] ?? null
    }
    // Seconds that left the window (or the buffers) are dropped now and then.
    if (this.seconds.size > length + 60) {
      const first = length > 0 ? times[from]! : Number.POSITIVE_INFINITY
      for (const second of this.seconds.keys()) if (second < first) this.seconds.delete(second)
    }
    return band
  }
}

/** First index of sorted `times` at or after `from` (binary search). */
export function firstIndexAtOrAfter(times: readonly number[], from: number): number {
  let lo = 0
  let hi = times.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (times[mid]! < from) lo = mid + 1
    else hi = mid
  }
  return lo
}
