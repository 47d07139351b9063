import { createHmac, randomUUID } from 'node:crypto'
import type { H3Event, SessionConfig } from 'h3'
import { deleteCookie, parseCookies, sealSession, setCookie, unsealSession } from 'h3'

export const SESSION_COOKIE = 'pulseboard_session'
/** Sealed sessions are a few hundred bytes; anything much longer is not ours. */
const MAX_COOKIE_LENGTH = 4096

interface ViewerSessionData {
  /** Fingerprint of the viewer token the session was opened with. */
  v: string
}

/**
 * Cookie sessions (README, Security, option 1), sealed with h3's iron-style
 * `sealSession`: the cookie is encrypted and signed with
 * NUXT_SESSION_PASSWORD, so the server keeps no session state. A session is
 * bound to a fingerprint of the current viewer token: rotating
 * NUXT_VIEWER_TOKEN signs every viewer out.
 *
 * Reading a session never sets a cookie (h3's `getSession` would create one
 * for every anonymous request, stream requests included).
 */
export class ViewerSessions {
  private readonly fingerprint: string
  private readonly config: SessionConfig

  constructor(viewerToken: string, password: string, private readonly maxAgeSeconds: number) {
    this.fingerprint = createHmac('sha256', password).update(`viewer-token:${viewerToken}`).digest('base64url').slice(0, 32)
    this.config = { name: SESSION_COOKIE, password, maxAge: maxAgeSeconds, cookie: false, sessionHeader: false }
  }

  /** True when the request carries a valid, current viewer session. */
  async isSignedIn(event: H3Event): Promise<boolean> {
    const sealed = parseCookies(event)[SESSION_COOKIE]
    if (!sealed || sealed.length > MAX_COOKIE_LENGTH) return false
    try {
      const session = await unsealSession(event, this.config, sealed)
      return (session.data as Partial<ViewerSessionData> | undefined)?.v === this.fingerprint
    }
    catch {
      return false // tampered, sealed with another password, or expired
    }
  }

  /** Opens a fresh session (new id and lifetime) and sets the cookie. */
  async start(event: H3Event, secure: boolean): Promise<void> {
    const session = { id: randomUUID(), createdAt: Date.now(), data: { v: this.fingerprint } satisfies ViewerSessionData }
    // sealSession reads the session from the context it is given; this one holds only the new session.
    const sealed = await sealSession({ headers: new Headers(), context: { sessions: { [SESSION_COOKIE]: session } } }, this.config)
    setCookie(event, SESSION_COOKIE, sealed, { ...cookieOptions(secure), maxAge: this.maxAgeSeconds })
  }

  end(event: H3Event, secure: boolean): void {
    deleteCookie(event, SESSION_COOKIE, cookieOptions(secure))
  }
}

/**
 * httpOnly: scripts never see it. SameSite=Lax: sent on top-level navigation
 * (links from chat or mail open the dashboard signed in) but not on
 * cross-site subrequests or POSTs. Secure whenever the request came over HTTPS.
 */
function cookieOptions(secure: boolean) {
  return { httpOnly: true, sameSite: 'lax' as const, secure, path: '/' }
}
