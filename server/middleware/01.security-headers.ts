import { useSecurity } from '../core/auth/security'

/**
 * Headers for every response. The page CSP is set where the HTML is known
 * (server/plugins/30.csp.ts), because it lists the hashes of its inline scripts.
 */
export default defineEventHandler((event) => {
  const { frameAncestors } = useSecurity().config
  setResponseHeaders(event, {
    'X-Content-Type-Options': 'nosniff',
    // Nothing in a URL of ours is meant for other sites.
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  })
  // X-Frame-Options cannot express an allowlist; the CSP frame-ancestors does.
  if (frameAncestors === `'none'`) setResponseHeader(event, 'X-Frame-Options', 'DENY')
})
