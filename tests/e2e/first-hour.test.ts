import { spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs'
import { get } from 'node:http'
import type { IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startApp, SERVER_ENTRY } from '../helpers/app-server'
import { startNginx } from '../helpers/nginx'
import { freePort } from '../helpers/ports'
import { waitFor } from '../helpers/wait'

/** A GET without automatic decompression: the bytes that really crossed the wire. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number, headers: IncomingMessage['headers'], body: Buffer }> {
  return new Promise((done, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    }).on('error', reject)
  })
}

/** The environment of a user's shell: none of the test runner's variables. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...extra }
  return env
}

/** Runs the built server until it exits (it must, for a bad setting) and returns what it printed. */
function runUntilExit(env: Record<string, string>): Promise<{ code: number | null, output: string }> {
  return new Promise((done) => {
    const proc = spawn(process.execPath, [SERVER_ENTRY], { env: cleanEnv({ NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', ...env }), stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk))
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk))
    // A bad setting stops it within moments; the bound only keeps a regression from hanging the run.
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      done({ code, output })
    })
  })
}

describe('`cp .env.example .env && npm start`', () => {
  it('starts the server with every value of .env.example as shipped, and reads .env', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulseboard-dotenv-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    copyFileSync('.env.example', join(dir, '.env'))
    appendFileSync(join(dir, '.env'), '\nNUXT_INSTANCE_ID=from-dot-env\n')
    symlinkSync(resolve('.output'), join(dir, '.output'))
    // The `start` script exactly as package.json has it, run where the user's .env is.
    const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start
    const [command, ...args] = start.split(' ')
    expect(command).toBe('node')
    const port = await freePort()
    // PORT from the environment wins over .env's 3000 (the machine's 3000 may be taken).
    const proc = spawn(process.execPath, args, { cwd: dir, env: cleanEnv({ PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk))
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk))
    onTestFinished(() => {
      proc.kill('SIGKILL')
    })
    const url = `http://127.0.0.1:${port}`
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`exited:\n${output}`)
      return (await fetch(`${url}/health/live`)).ok
    }, { timeout: 30_000, what: 'the server started from .env' })

    const page = await fetch(`${url}/`)
    expect(page.status, output).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain('frame-ancestors \'none\'')
    const stats = await (await fetch(`${url}/api/sse/stats`)).json() as { instance: string }
    expect(stats.instance).toBe('from-dot-env')
  })
})

describe('settings that cannot work stop the server with one line naming them', { timeout: 90_000 }, () => {
  const noStack = (output: string) => expect(output).not.toMatch(/^\s+at /m)

  it('NUXT_REDIS_URL that is not a redis:// URL', async () => {
    const { code, output } = await runUntilExit({ NUXT_REDIS_URL: 'http://127.0.0.1:6379' })
    expect(code).not.toBe(0)
    expect(output).toContain('NUXT_REDIS_URL must be a redis:// or rediss:// URL, got a http:// URL')
    noStack(output)
  })

  it('NUXT_SSE_HEARTBEAT_MS that is not a number', async () => {
    const { code, output } = await runUntilExit({ NUXT_SSE_HEARTBEAT_MS: 'abc' })
    expect(code).not.toBe(0)
    expect(output).toContain('NUXT_SSE_HEARTBEAT_MS must be a positive number, got abc')
    noStack(output)
  })

  it('an alert rules file with a mistake, naming the file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulseboard-rules-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'rules.yaml')
    writeFileSync(file, 'rules:\n  - metric: cpu\n    threshold: 90\n  - metric: memory\n    threshold: ninety\n')
    const { code, output } = await runUntilExit({ NUXT_ALERT_RULES_FILE: file })
    expect(code).not.toBe(0)
    expect(output).toContain(`${file}:5: rules[1].threshold:`)
    noStack(output)
  })
})

describe('answers a new user can read', () => {
  it('/api/history without `since` says what to send', async () => {
    const app = await startApp()
    onTestFinished(async () => {
      await app.stop()
    })
    const response = await fetch(`${app.url}/api/history`)
    expect(response.status).toBe(400)
    const body = await response.text()
    expect(body).toContain('field `since`: required: the oldest sample wanted, in epoch milliseconds')
    expect(body).not.toContain('received undefined')
  })
})

describe('the shipped nginx configuration', () => {
  it('compresses the page\'s JavaScript (Nuxt serves it as text/javascript)', async () => {
    const app = await startApp()
    onTestFinished(async () => {
      await app.stop()
    })
    const nginx = await startNginx([`127.0.0.1:${app.port}`, `127.0.0.1:${app.port}`])
    onTestFinished(() => nginx.stop())
    const page = await (await fetch(`${nginx.httpUrl}/`)).text()
    const scripts = [...new Set([...page.matchAll(/(?:src|href)="(\/_nuxt\/[^"]+\.js)"/g)].map(m => m[1]!))]
    expect(scripts.length).toBeGreaterThan(0)
    let wire = 0
    let decoded = 0
    for (const path of scripts) {
      const plain = await rawGet(`${nginx.httpUrl}${path}`)
      const gzipped = await rawGet(`${nginx.httpUrl}${path}`, { 'accept-encoding': 'gzip' })
      expect(plain.headers['content-type']).toMatch(/^text\/javascript/)
      if (plain.body.length >= 1024) expect(gzipped.headers['content-encoding'], path).toBe('gzip')
      wire += gzipped.body.length
      decoded += plain.body.length
    }
    // JavaScript compresses to about a third; unsent compression would make these equal.
    expect(wire).toBeLessThan(decoded * 0.5)
  })
})
