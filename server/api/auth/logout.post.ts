import { useSecurity } from '../../core/auth/security'

/**
 * Clears the session cookie in this browser. Cross-site and non-JSON
 * requests were refused before this (server/middleware/02.csrf.ts).
 */
export default defineEventHandler((event) => {
  const security = useSecurity()
  security.sessions?.end(event, security.isHttps(event))
  setResponseHeader(event, 'Cache-Control', 'no-store')
  return { signedIn: false }
})
