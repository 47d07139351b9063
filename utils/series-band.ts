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
  for (let i = 0; i < length; i++) {
    let n = 0
    for (const column of columns) {
      const value = column[from + i]
      if (value !== null && value !== undefined) scratch[n++] = value
    }
    if (n === 0) {
      band.min[i] = band.median[i] = band.p95[i] = band.max[i] = null
      continue
    }
    const values = scratch.subarray(0, n).sort()
    band.min[i] = values[0]!
    band.max[i] = values[n - 1]!
    band.median[i] = quantileSorted(values, 0.5)
    band.p95[i] = quantileSorted(values, 0.95)
  }
  return band
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
