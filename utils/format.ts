/**
 * Formatting that renders the same on the server and in the browser (no
 * locale or time-zone dependence until the page says it is mounted), so
 * hydration never mismatches.
 */

/** 12345.6 → "12 346" (thin spaces group thousands, readable from afar); "—" for no number. */
export function formatNumber(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return '—'
  // Past 1e21 toFixed() switches to exponent notation; such numbers read better that way anyway.
  if (Math.abs(value) >= 1e21) return value.toExponential(2)
  const fixed = Math.abs(value).toFixed(decimals)
  const [whole, fraction] = fixed.split('.') as [string, string | undefined]
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009')
  return `${value < 0 ? '−' : ''}${grouped}${fraction ? `.${fraction}` : ''}`
}

const pad = (n: number) => String(n).padStart(2, '0')

/** "14:03:22" in the browser's zone once mounted, "14:03:22 UTC" before. */
export function formatClock(ms: number, local: boolean): string {
  const d = new Date(ms)
  if (local) return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
}

/** "now", "4 s", "3 min", "2 h" */
export function formatAgo(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 1) return 'now'
  if (s < 90) return `${s} s`
  if (s < 90 * 60) return `${Math.round(s / 60)} min`
  return `${Math.round(s / 3600)} h`
}
