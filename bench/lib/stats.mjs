/** Small statistics helpers shared by the scenarios and the report. */

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Nearest-rank percentile of an ascending Float64Array. */
export function percentile(sorted, p) {
  if (!sorted.length) return NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

/** p50/p99/p99.9/max in milliseconds from µs samples. */
export function latencySummary(samplesUs) {
  const sorted = Float64Array.from(samplesUs).sort()
  const ms = us => Math.round(us) / 1000
  return {
    samples: sorted.length,
    p50: ms(percentile(sorted, 50)),
    p99: ms(percentile(sorted, 99)),
    p999: ms(percentile(sorted, 99.9)),
    max: ms(sorted[sorted.length - 1] ?? NaN),
  }
}

/** Median with min and max of a list of run values. */
export function spread(values) {
  const finite = values.filter(v => Number.isFinite(v))
  if (!finite.length) return { median: NaN, min: NaN, max: NaN, runs: values.length }
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), runs: finite.length }
}
