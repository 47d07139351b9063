import { chromium } from 'playwright-core'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
const url = process.argv[2]
const dir = mkdtempSync('/tmp/chr-')
const proc = spawn('/usr/bin/chromium', ['--headless', '--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--remote-debugging-port=0', `--user-data-dir=${dir}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] })
const ws = await new Promise((resolve) => { let buf = ''; proc.stderr.on('data', (c) => { buf += c; const m = /DevTools listening on (ws:\/\/\S+)/.exec(buf); if (m) resolve(m[1]) }) })
const browser = await chromium.connectOverCDP(ws, { noDefaults: true })
const context = browser.contexts()[0]
const p = await context.newPage()
p.on('console', m => console.log(`tab:`, m.text()))
await p.goto(url + '/health/live')
await p.evaluate(() => {
  window.ticks = 0; setInterval(() => window.ticks++, 100)
  document.addEventListener('freeze', () => { window.froze = true; console.log('freeze event') })
  document.addEventListener('resume', () => console.log('resume event'))
})
const cdp = await context.newCDPSession(p)
const r = await cdp.send('Page.setWebLifecycleState', { state: 'frozen' }).catch(e => 'ERR ' + e.message)
console.log('freeze result', r)
await new Promise(r => setTimeout(r, 1000))
await cdp.send('Page.setWebLifecycleState', { state: 'active' }).catch(e => console.log('ERR', e.message))
console.log('ticks after 1s frozen', await p.evaluate(() => [window.ticks, window.froze, document.visibilityState]))
await browser.close()
proc.kill()
