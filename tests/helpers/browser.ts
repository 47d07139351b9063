import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'

export const ARTIFACTS_DIR = resolve('tests/artifacts')
const CHROMIUM = process.env.PULSEBOARD_CHROMIUM ?? '/usr/bin/chromium'

export interface BrowserSession {
  browser: Browser
  context: BrowserContext
  page: Page
  /** Console errors, page errors and failed requests seen so far. */
  problems: string[]
  close(): Promise<void>
}

/**
 * Real headless Chromium (Debian's /usr/bin/chromium) with one page that
 * records every console error, uncaught exception and failed request, so a
 * test can assert the dashboard ran clean.
 */
export async function openBrowser({ width = 1920, height = 1080, backForwardCache = false } = {}): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
    // playwright turns the back/forward cache off unless asked to leave it on.
    ignoreDefaultArgs: backForwardCache ? ['--disable-back-forward-cache'] : [],
  })
  const context = await browser.newContext({ viewport: { width, height } })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
  page.on('pageerror', error => problems.push(`page error: ${error.message}`))
  return {
    browser,
    context,
    page,
    problems,
    async close() {
      await browser.close()
    },
  }
}

/** Saves a screenshot under tests/artifacts (gitignored) and returns its path. */
export async function saveScreenshot(page: Page, name: string, fullPage = false): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  const path = resolve(ARTIFACTS_DIR, name)
  await page.screenshot({ path, fullPage })
  return path
}

/**
 * Headless Chromium driven over CDP without playwright's per-page defaults.
 * playwright emulates focus on every page it creates, which keeps the page
 * awake: Chromium then ignores `Page.setWebLifecycleState` `frozen`, and
 * every tab counts as visible. Page-life tests (freeze, hidden tabs) need
 * the browser's own behaviour, so they drive pages of the default context.
 */
export async function openLifecycleBrowser(): Promise<BrowserSession> {
  const dir = mkdtempSync(join(tmpdir(), 'pulseboard-chromium-'))
  const proc = spawn(CHROMIUM, [
    '--headless',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-dev-shm-usage',
    '--no-first-run',
    '--remote-debugging-port=0',
    `--user-data-dir=${dir}`,
    'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  const endpoint = await new Promise<string>((resolveEndpoint, reject) => {
    let seen = ''
    proc.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(seen)
      if (match) resolveEndpoint(match[1]!)
    })
    proc.once('exit', code => reject(new Error(`chromium exited (${code}) before listening:\n${seen}`)))
  })
  const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true })
  const context = browser.contexts()[0]!
  const page = context.pages()[0] ?? await context.newPage()
  const problems: string[] = []
  return {
    browser,
    context,
    page,
    problems,
    async close() {
      await browser.close().catch(() => {})
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise(resolveExit => proc.once('exit', resolveExit))
        proc.kill('SIGKILL')
        await exited
      }
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
      }
      catch {
        // Chromium's helper processes may still be writing their cache; a temporary directory may stay.
      }
    },
  }
}
