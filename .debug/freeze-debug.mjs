import { chromium } from 'playwright-core'
const url = process.argv[2]
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
const context = await browser.newContext()
const pages = []
for (let i = 0; i < 3; i++) {
  const p = await context.newPage()
  p.on('console', m => console.log(`tab${i}:`, m.text()))
  await p.goto(url)
  await p.evaluate((i) => {
    document.addEventListener('freeze', () => console.log('freeze event'))
    document.addEventListener('resume', () => console.log('resume event'))
    window.addEventListener('pagehide', () => console.log('pagehide'))
  }, i)
  pages.push(p)
}
await new Promise(r => setTimeout(r, 3000))
const q = async () => JSON.stringify(await pages[2].evaluate(() => navigator.locks.query()))
console.log('locks', await q())
const stats = async () => (await (await fetch(url + '/api/sse/stats')).json()).connectedClients
console.log('streams', await stats())
const cdp = await context.newCDPSession(pages[0])
await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
for (let i = 0; i < 8; i++) {
  await new Promise(r => setTimeout(r, 500))
  console.log(i, 'locks', await q(), 'streams', await stats())
}
await cdp.send('Page.setWebLifecycleState', { state: 'active' })
await new Promise(r => setTimeout(r, 1000))
console.log('after', 'locks', await q(), 'streams', await stats())
await browser.close()
