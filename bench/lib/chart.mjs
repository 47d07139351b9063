// A dependency-free SVG of the headline curves: deliveries/s against clients
// (fan-out), the server's CPU time per delivery in those bursts, and server
// RSS against idle connections (memory), one line per server, median of the
// runs with min–max whiskers.
import { median } from './stats.mjs'

const SERIES = [
  { kind: 'pulseboard', name: 'Pulseboard', color: '#2563eb', dash: '' },
  { kind: 'floor', name: 'floor (node:http, shared buffer)', color: '#6b7280', dash: '6 4' },
  { kind: 'naive', name: 'naive (h3 createEventStream + push)', color: '#dc2626', dash: '' },
  { kind: 'floor-raw', name: 'floor-raw (corked raw chunks)', color: '#16a34a', dash: '2 3' },
  { kind: 'socketio', name: 'Socket.IO 4 + Redis adapter', color: '#9333ea', dash: '' },
  { kind: 'better-sse', name: 'better-sse (channel.broadcast)', color: '#d97706', dash: '' },
]
const W = 1260
const H = 460
const PANEL = { w: 330, h: 270, top: 70 }
const LEGEND_PER_ROW = 3

function niceMax(value) {
  if (!(value > 0)) return 1
  const step = 10 ** Math.floor(Math.log10(value))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= value) return m * step
  return 10 * step
}

function points(results, kind, read) {
  const xs = new Map()
  for (const run of results.runs) {
    for (const [x, y] of read(run, kind)) {
      if (!Number.isFinite(y)) continue
      if (!xs.has(x)) xs.set(x, [])
      xs.get(x).push(y)
    }
  }
  return [...xs].sort((a, b) => a[0] - b[0]).map(([x, ys]) => ({ x, y: median(ys), min: Math.min(...ys), max: Math.max(...ys) }))
}

/**
 * A series whose every value is more than OFF_SCALE times the largest value
 * of the others is left off the axis (it would flatten them) and named in a
 * note with its range instead.
 */
const OFF_SCALE = 3

function panel({ left, title, yLabel, xLabel, series, format, clipOutliers = false }) {
  const all = series.flatMap(s => s.points)
  if (!all.length) return ''
  const lowest = s => Math.min(...s.points.map(p => p.min))
  const highest = s => Math.max(...s.points.map(p => p.max))
  const off = clipOutliers
    ? series.filter(s => s.points.length && series.some(o => o !== s && o.points.length) && lowest(s) > OFF_SCALE * Math.max(...series.filter(o => o !== s && o.points.length).map(highest)))
    : []
  series = series.filter(s => !off.includes(s))
  const shown = series.flatMap(s => s.points)
  const xMax = niceMax(Math.max(...all.map(p => p.x)))
  const yMax = niceMax(Math.max(...shown.map(p => p.max)) * 1.05)
  const sx = x => left + (x / xMax) * PANEL.w
  const sy = y => PANEL.top + PANEL.h - (y / yMax) * PANEL.h
  const out = [`<text x="${left}" y="${PANEL.top - 24}" class="title">${title}</text>`]
  off.forEach((s, i) => out.push(`<text x="${left + PANEL.w}" y="${PANEL.top + 14 + i * 14}" class="note" text-anchor="end" fill="${s.color}">${s.name.split(' (')[0]}: ${format(lowest(s))}–${format(highest(s))}, off the scale</text>`))
  for (let i = 0; i <= 5; i++) {
    const y = (yMax / 5) * i
    out.push(`<line x1="${left}" x2="${left + PANEL.w}" y1="${sy(y)}" y2="${sy(y)}" class="grid"/>`)
    out.push(`<text x="${left - 6}" y="${sy(y) + 4}" class="tick" text-anchor="end">${format(y)}</text>`)
    const x = (xMax / 5) * i
    out.push(`<text x="${sx(x)}" y="${PANEL.top + PANEL.h + 16}" class="tick" text-anchor="middle">${x.toLocaleString('en-US')}</text>`)
  }
  out.push(`<text x="${left + PANEL.w / 2}" y="${PANEL.top + PANEL.h + 36}" class="axis" text-anchor="middle">${xLabel}</text>`)
  out.push(`<text x="${left}" y="${PANEL.top - 8}" class="axis">${yLabel}</text>`)
  for (const s of series) {
    if (!s.points.length) continue
    const path = s.points.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')
    out.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2.5" stroke-dasharray="${s.dash}"/>`)
    for (const p of s.points) {
      out.push(`<line x1="${sx(p.x)}" x2="${sx(p.x)}" y1="${sy(p.min)}" y2="${sy(p.max)}" stroke="${s.color}" stroke-width="1.5"/>`)
      out.push(`<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="3.5" fill="${s.color}"><title>${s.name}: ${format(p.y)} at ${p.x.toLocaleString('en-US')}</title></circle>`)
    }
  }
  return out.join('\n')
}

export function renderChart(results) {
  const kinds = results.options.servers
  const series = SERIES.filter(s => kinds.includes(s.kind))
  const fanoutSteps = results.options.fanout.steps
  const sizes = results.options.memory.sizes
  const fanout = series.map(s => ({
    ...s,
    points: points(results, s.kind, (run, kind) => {
      const steps = run.fanout?.[kind]
      return Array.isArray(steps) ? steps.map((r, i) => [fanoutSteps[i]?.clients, r.complete ? r.deliveriesPerSecond : NaN]) : []
    }),
  }))
  const cpu = series.map(s => ({
    ...s,
    points: points(results, s.kind, (run, kind) => {
      const steps = run.fanout?.[kind]
      return Array.isArray(steps) ? steps.map((r, i) => [fanoutSteps[i]?.clients, r.complete ? r.serverCpuSeconds * 1e6 / (r.clients * r.events) : NaN]) : []
    }),
  }))
  const memory = series.map(s => ({
    ...s,
    points: points(results, s.kind, (run, kind) => {
      const steps = run.memory?.[kind]
      if (!Array.isArray(steps) || !steps.length) return []
      return [[0, steps[0].baselineRss / 1048576], ...steps.map((r, i) => [sizes[i], r.rss / 1048576])]
    }),
  }))
  const legend = series.map((s, i) => `<g transform="translate(${80 + (i % LEGEND_PER_ROW) * 330},${H - 44 + Math.floor(i / LEGEND_PER_ROW) * 20})"><line x1="0" x2="28" y1="0" y2="0" stroke="${s.color}" stroke-width="2.5" stroke-dasharray="${s.dash}"/><text x="36" y="4" class="axis">${s.name}</text></g>`).join('\n')
  const { meta } = results
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif">
<style>.title{font-size:15px;font-weight:600}.axis{font-size:12px;fill:#374151}.tick{font-size:11px;fill:#6b7280}.grid{stroke:#e5e7eb}.note{font-size:11px;fill:#6b7280}</style>
<rect width="100%" height="100%" fill="#fff"/>
${panel({ left: 80, title: 'Fan-out: deliveries per second', yLabel: 'deliveries/s (one burst of ~150-byte events)', xLabel: 'connected clients', series: fanout, format: y => y >= 1e6 ? `${(y / 1e6).toFixed(1)}M` : `${Math.round(y / 1e3)}k` })}
${panel({ left: 490, title: 'Server CPU per delivery in those bursts', yLabel: 'µs of server CPU (utime + stime) per delivery', xLabel: 'connected clients', series: cpu, format: y => y.toFixed(1), clipOutliers: true })}
${panel({ left: 900, title: 'Memory: RSS with idle connections', yLabel: 'RSS (MB)', xLabel: 'idle connections', series: memory, format: y => y.toFixed(0) })}
${legend}
<text x="${W - 10}" y="16" class="note" text-anchor="end">median of ${results.options.runs} run(s), whiskers min–max · ${meta.cpus} × ${meta.cpuModel} · Node ${meta.node} · ${meta.date.slice(0, 10)} · ${meta.commit}</text>
</svg>
`
}
