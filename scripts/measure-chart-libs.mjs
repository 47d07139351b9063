// Measures what choosing a chart library costs the dashboard: minified +
// gzip bundle size, and the time to append one sample per series and redraw
// 3 series x 1800 points (30 minutes at 1 s) in headless Chromium.
//
//   npm install --no-save chart.js@4   # the contender; uPlot is a dependency
//   node scripts/measure-chart-libs.mjs
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { chromium } from 'playwright-core'

const dir = mkdtempSync(join(tmpdir(), 'chart-libs-'))
const entries = {
  uplot: `import uPlot from 'uplot'; window.Lib = uPlot`,
  chartjs: `import { Chart, LineController, LineElement, PointElement, LinearScale, Tooltip, Legend } from 'chart.js'
    Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip, Legend); window.Lib = Chart`,
}

const N = 1800
const S = 3
const FRAMES = 300

// Each runs in the page: builds a chart, then times FRAMES append+redraw cycles.
const benches = {
  uplot: async (N, S, FRAMES) => {
    const now = Math.floor(Date.now() / 1000)
    const data = [Array.from({ length: N }, (_, i) => now - N + i)]
    for (let s = 0; s < S; s++) data.push(Array.from({ length: N }, () => Math.random() * 100))
    const el = document.createElement('div')
    document.body.append(el)
    const plot = new window.Lib({ width: 800, height: 220, series: [{}, ...Array.from({ length: S }, () => ({ stroke: 'red' }))] }, data, el)
    const times = []
    for (let k = 0; k < FRAMES; k++) {
      data[0].push(now + k)
      data[0].shift()
      for (let s = 1; s <= S; s++) {
        data[s].push(Math.random() * 100)
        data[s].shift()
      }
      const t0 = performance.now()
      plot.setData(data)
      await Promise.resolve() // uPlot commits its redraw in a microtask
      times.push(performance.now() - t0)
    }
    return times
  },
  chartjs: async (N, S, FRAMES) => {
    const now = Math.floor(Date.now() / 1000)
    const canvas = document.createElement('canvas')
    const wrap = document.createElement('div')
    wrap.style.cssText = 'width:800px;height:220px'
    wrap.append(canvas)
    document.body.append(wrap)
    const datasets = Array.from({ length: S }, () => ({
      data: Array.from({ length: N }, (_, i) => ({ x: now - N + i, y: Math.random() * 100 })),
      borderColor: 'red', pointRadius: 0, borderWidth: 1,
    }))
    const chart = new window.Lib(canvas, { type: 'line', data: { datasets }, options: { animation: false, responsive: false, parsing: false, normalized: true, scales: { x: { type: 'linear' } } } })
    const times = []
    for (let k = 0; k < FRAMES; k++) {
      for (const d of datasets) {
        d.data.push({ x: now + k, y: Math.random() * 100 })
        d.data.shift()
      }
      const t0 = performance.now()
      chart.update('none')
      await Promise.resolve()
      times.push(performance.now() - t0)
    }
    return times
  },
}

const browser = await chromium.launch({ executablePath: process.env.PULSEBOARD_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking'] })
try {
  for (const [name, source] of Object.entries(entries)) {
    const entry = join(dir, `${name}.js`)
    writeFileSync(entry, source)
    const outfile = join(dir, `${name}.out.js`)
    await build({ entryPoints: [entry], bundle: true, minify: true, format: 'iife', outfile, logLevel: 'error', nodePaths: [resolve('node_modules')] })
    const code = readFileSync(outfile)
    const page = await browser.newPage()
    await page.addScriptTag({ content: code.toString() })
    const times = (await page.evaluate(`(${benches[name]})(${N}, ${S}, ${FRAMES})`)).sort((a, b) => a - b)
    const q = p => times[Math.floor(p * (times.length - 1))].toFixed(2)
    console.log(`${name}: ${(code.length / 1024).toFixed(1)} KB min, ${(gzipSync(code).length / 1024).toFixed(1)} KB gzip; `
      + `append+redraw ${S}x${N}: median ${q(0.5)} ms, p95 ${q(0.95)} ms`)
    await page.close()
  }
}
finally {
  await browser.close()
}
