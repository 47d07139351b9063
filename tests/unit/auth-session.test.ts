import type { Server } from 'node:http'
import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp, createRouter, defineEventHandler, getQuery, toNodeListener } from 'h3'
import { SESSION_COOKIE, ViewerSessions } from '../../server/core/auth/viewer-session'
import { waitFor } from '../helpers/wait'

const PASSWORD = 'session-password-for-unit-tests-0123456789'

/** A tiny real h3 server around the session helper, as the routes use it. */
function serve(sessions: ViewerSessions): Promise<{ url: string, server: Server }> {
  const router = createRouter()
    .post('/login', defineEventHandler(async (event) => {
      await sessions.start(event, getQuery(event).secure === '1')
      return { ok: true }
    }))
    .post('/logout', defineEventHandler((event) => {
      sessions.end(event, false)
      return { ok: true }
    }))
    .get('/me', defineEventHandler(async event => ({ signedIn: await sessions.isSignedIn(event) })))
  const server = createServer(toNodeListener(createApp().use(router)))
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number }
    resolve({ url: `http://127.0.0.1:${address.port}`, server })
  }))
}

function cookieValue(setCookie: string | null): string {
  const match = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(setCookie ?? '')
  if (!match) throw new Error(`no session cookie in ${setCookie}`)
  return match[1]!
}

describe('viewer sessions (sealed cookies)', () => {
  let app: { url: string, server: Server }
  let rotated: { url: string, server: Server }
  let otherPassword: { url: string, server: Server }
  let shortLived: { url: string, server: Server }
  beforeAll(async () => {
    app = await serve(new ViewerSessions('viewer-token-one-0000', PASSWORD, 3600))
    rotated = await serve(new ViewerSessions('viewer-token-two-0000', PASSWORD, 3600))
    otherPassword = await serve(new ViewerSessions('viewer-token-one-0000', `${PASSWORD}-other`, 3600))
    shortLived = await serve(new ViewerSessions('viewer-token-one-0000', PASSWORD, 1))
  })
  afterAll(() => {
    for (const server of [app, rotated, otherPassword, shortLived]) server?.server.close()
  })

  const me = async (url: string, cookie?: string) => {
    const response = await fetch(`${url}/me`, { headers: cookie ? { cookie: `${SESSION_COOKIE}=${cookie}` } : {} })
    expect(response.headers.get('set-cookie')).toBeNull() // reading never sets a cookie
    return ((await response.json()) as { signedIn: boolean }).signedIn
  }

  it('sets an httpOnly, SameSite=Lax cookie, Secure only when asked, with the session lifetime', async () => {
    const plain = (await fetch(`${app.url}/login`, { method: 'POST' })).headers.get('set-cookie')!
    expect(plain).toMatch(/HttpOnly/)
    expect(plain).toMatch(/SameSite=Lax/)
    expect(plain).toMatch(/Max-Age=3600/)
    expect(plain).toMatch(/Path=\//)
    expect(plain).not.toMatch(/Secure/)
    const secure = (await fetch(`${app.url}/login?secure=1`, { method: 'POST' })).headers.get('set-cookie')!
    expect(secure).toMatch(/; Secure/)
  })

  it('recognises its own cookie and nothing else', async () => {
    const cookie = cookieValue((await fetch(`${app.url}/login`, { method: 'POST' })).headers.get('set-cookie'))
    expect(await me(app.url, cookie)).toBe(true)
    expect(await me(app.url)).toBe(false)
    expect(await me(app.url, `${cookie.slice(0, -2)}xx`)).toBe(false)
    expect(await me(app.url, 'Fe26.2**garbage')).toBe(false)
    expect(await me(app.url, 'x'.repeat(5000))).toBe(false)
    // Same password, rotated viewer token: signed out.
    expect(await me(rotated.url, cookie)).toBe(false)
    // Another password cannot unseal it.
    expect(await me(otherPassword.url, cookie)).toBe(false)
  })

  it('expires with its lifetime even if the browser keeps the cookie', async () => {
    const cookie = cookieValue((await fetch(`${shortLived.url}/login`, { method: 'POST' })).headers.get('set-cookie'))
    expect(await me(shortLived.url, cookie)).toBe(true)
    await waitFor(async () => !(await me(shortLived.url, cookie)), { what: 'the one-second session to expire', timeout: 5000 })
  })

  it('clears the cookie on logout', async () => {
    const cleared = (await fetch(`${app.url}/logout`, { method: 'POST' })).headers.get('set-cookie')!
    expect(cleared).toMatch(new RegExp(`^${SESSION_COOKIE}=;`))
    expect(cleared).toMatch(/Max-Age=0/)
  })
})
