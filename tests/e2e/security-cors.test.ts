import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { SERVER_ENTRY, startApp } from '../helpers/app-server'
import { freePort } from '../helpers/ports'
import type { ProbeResult } from '../helpers/http-probe'
import { probe } from '../helpers/http-probe'

const VIEWER = 'viewer-token-cors-Wm5Tq2'
const PUBLISHER = 'publisher-token-cors-Bn7Xc4'
const PASSWORD = 'session-password-cors-0123456789abcdef'
const ALLOWED = 'https://ops.example.com'
const REFUSED = 'https://evil.example'

describe('CORS', () => {
  let app: AppServer
  const seen: ProbeResult[] = []
  const call = async (path: string, options: Parameters<typeof probe>[1]) => {
    const result = await probe(`${app.url}${path}`, options)
    seen.push(result)
    return result
  }

  beforeAll(async () => {
    app = await startApp({ env: { NUXT_VIEWER_TOKEN: VIEWER, NUXT_SESSION_PASSWORD: PASSWORD, NUXT_PUBLISH_TOKEN: PUBLISHER, NUXT_CORS_ORIGINS: `${ALLOWED},http://localhost:3000` } })
  })
  afterAll(async () => {
    await app?.stop()
  })

  it('an allowed origin gets its own origin back, with credentials, on the stream and the API', async () => {
    for (const path of ['/api/sse/dashboard', '/api/sse/stats']) {
      const result = await call(path, { headers: { origin: ALLOWED, authorization: `Bearer ${VIEWER}` } })
      expect(result.status).toBe(200)
      expect(result.headers['access-control-allow-origin']).toBe(ALLOWED)
      expect(result.headers['access-control-allow-credentials']).toBe('true')
      expect(result.headers.vary).toMatch(/Origin/)
    }
    // Even a refusal carries the CORS headers, so the page can read why.
    const refused = await call('/api/sse/dashboard', { headers: { origin: ALLOWED } })
    expect(refused.status).toBe(401)
    expect(refused.headers['access-control-allow-origin']).toBe(ALLOWED)
  })

  it('a refused origin gets no CORS headers, and its preflights 403', async () => {
    const simple = await call('/api/sse/dashboard', { headers: { origin: REFUSED, authorization: `Bearer ${VIEWER}` } })
    expect(simple.headers['access-control-allow-origin']).toBeUndefined()
    expect(simple.headers['access-control-allow-credentials']).toBeUndefined()
    const preflight = await call('/api/ingest/alerts', { method: 'OPTIONS', headers: { 'origin': REFUSED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } })
    expect(preflight.status).toBe(403)
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('preflight for ingest from an allowed origin: POST with Authorization and Content-Type, no credentials', async () => {
    const preflight = await call('/api/ingest/alerts', { method: 'OPTIONS', headers: { 'origin': ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED)
    expect(preflight.headers['access-control-allow-methods']).toMatch(/POST/)
    expect(String(preflight.headers['access-control-allow-headers']).toLowerCase()).toMatch(/authorization.*content-type/)
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined()
    const post = await call('/api/ingest/alerts', { method: 'POST', headers: { 'origin': ALLOWED, 'authorization': `Bearer ${PUBLISHER}`, 'content-type': 'application/json' }, body: JSON.stringify({ level: 'info', message: 'cross-origin publish' }) })
    expect(post.status).toBe(200)
    expect(post.headers['access-control-allow-origin']).toBe(ALLOWED)
  })

  it('a viewer preflight allows credentials; pages and health get no CORS headers', async () => {
    const preflight = await call('/api/sse/ticket', { method: 'OPTIONS', headers: { 'origin': ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } })
    expect(preflight.status).toBe(204)
    expect(preflight.headers['access-control-allow-credentials']).toBe('true')
    expect((await call('/health/live', { headers: { origin: ALLOWED } })).headers['access-control-allow-origin']).toBeUndefined()
    expect((await call('/login', { headers: { origin: ALLOWED } })).headers['access-control-allow-origin']).toBeUndefined()
  })

  it('never answered `*`', () => {
    expect(seen.length).toBeGreaterThan(8)
    for (const result of seen) expect(result.headers['access-control-allow-origin']).not.toBe('*')
  })
})

/** Starts the built server with `env` and returns how it ended. */
async function startExpectingExit(env: Record<string, string>): Promise<{ code: number | null, output: string }> {
  const port = await freePort()
  const proc = spawn(process.execPath, [SERVER_ENTRY], {
    env: { ...process.env, VITEST: undefined, TEST: undefined, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  proc.stdout!.on('data', (chunk: Buffer) => (output += chunk))
  proc.stderr!.on('data', (chunk: Buffer) => (output += chunk))
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000)
  const code = await new Promise<number | null>(resolve => proc.once('exit', exitCode => resolve(exitCode)))
  clearTimeout(timer)
  return { code, output }
}

describe('refuses to start when unsafe', () => {
  it.each([
    ['a viewer token without a session password', { NUXT_VIEWER_TOKEN: VIEWER }, /NUXT_SESSION_PASSWORD must be set too, at least 32 characters/],
    ['a session password of 31 characters', { NUXT_VIEWER_TOKEN: VIEWER, NUXT_SESSION_PASSWORD: 'p'.repeat(31) }, /at least 32 characters/],
    ['the viewer token equal to the publisher token', { NUXT_VIEWER_TOKEN: VIEWER, NUXT_SESSION_PASSWORD: PASSWORD, NUXT_PUBLISH_TOKEN: VIEWER }, /must differ/],
    ['a publisher token of one character', { NUXT_PUBLISH_TOKEN: 'a' }, /NUXT_PUBLISH_TOKEN must be at least 16 characters/],
    ['a metrics token of 15 characters', { NUXT_METRICS_TOKEN: 'm'.repeat(15) }, /NUXT_METRICS_TOKEN must be at least 16 characters/],
    ['CORS `*`', { NUXT_CORS_ORIGINS: '*' }, /`?\*`? is refused/],
    ['a trusted proxy that is not an address', { NUXT_TRUSTED_PROXIES: 'proxy.internal' }, /NUXT_TRUSTED_PROXIES/],
  ])('%s', async (_name, env, message) => {
    const { code, output } = await startExpectingExit(env)
    expect(code).toBe(1)
    expect(output).toMatch(message)
    expect(output).not.toMatch(/Listening on/)
  })
})
