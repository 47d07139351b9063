import type { H3Event } from 'h3'
import { getRequestHeader } from 'h3'

/**
 * Refuses sign-in and sign-out forms posted by other sites (login CSRF,
 * forced logout). Browsers say where a request comes from in
 * Sec-Fetch-Site; clients that are not browsers send no such header.
 */
export function isCrossSiteForm(event: H3Event, allowlist: ReadonlySet<string>): boolean {
  if (getRequestHeader(event, 'sec-fetch-site') !== 'cross-site') return false
  const origin = getRequestHeader(event, 'origin')
  return !origin || !allowlist.has(origin)
}
