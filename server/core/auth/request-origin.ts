import type { H3Event } from 'h3'
import { getRequestHeader } from 'h3'

/**
 * Where a browser request comes from, for requests that change state with
 * the session cookie (login CSRF, forced sign-out, ticket issuance).
 *
 * Browsers say it in `Sec-Fetch-Site`, but only to trustworthy origins
 * (HTTPS, localhost): over plain HTTP they send `Origin` alone, which is then
 * compared with this server's own origin. `same-site` (a sibling host name, or
 * the same host on another port) is foreign like `cross-site`: the cookie is
 * sent to it, so only `NUXT_CORS_ORIGINS` can vouch for it. Clients that are
 * not browsers send neither header and are not affected.
 */
export function isForeignRequest(event: H3Event, allowlist: ReadonlySet<string>, https: boolean): boolean {
  const origin = getRequestHeader(event, 'origin')
  if (origin !== undefined && allowlist.has(origin)) return false
  const site = getRequestHeader(event, 'sec-fetch-site')
  if (site === 'same-origin' || site === 'none') return false
  if (site !== undefined) return true
  if (origin === undefined) return false
  return origin !== ownOrigin(event, https)
}

/** `scheme://host[:port]` as the browser addressed this server (the Host header), or null without one. */
function ownOrigin(event: H3Event, https: boolean): string | null {
  const host = getRequestHeader(event, 'host')
  if (!host) return null
  try {
    return new URL(`${https ? 'https' : 'http'}://${host}`).origin
  }
  catch {
    return null
  }
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
export function isJsonContentType(raw: string | undefined): boolean {
  return raw !== undefined && raw.split(';')[0]!.trim().toLowerCase() === 'application/json'
}
