/**
 * Headers every response carries. The page CSP is set where the HTML is
 * known (server/plugins/30.csp.ts), because it lists the hashes of its inline
 * scripts.
 */
export function securityHeaders(frameAncestors: string): Readonly<Record<string, string>> {
  return frameAncestors === `'none'` ? WITH_FRAME_DENY : BASE
}

const BASE: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  // Nothing in a URL of ours is meant for other sites.
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
})

// X-Frame-Options cannot express an allowlist; the CSP frame-ancestors does.
const WITH_FRAME_DENY: Readonly<Record<string, string>> = Object.freeze({ ...BASE, 'X-Frame-Options': 'DENY' })

declare module 'h3' {
  interface H3EventContext {
    /**
     * Headers to send with the response head instead of storing them on the
     * response now: Node keeps every stored header of a response until it
     * ends, ~1 KB per open stream. Refusals (`clientError`) apply them too.
     */
    deferredHeaders?: Readonly<Record<string, string>>
  }
}
