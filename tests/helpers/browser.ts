import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
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
export async function openBrowser({ width = 1920, height = 1080 } = {}): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
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
