import type { PageClaim } from '../core/answers/shared-pages'

declare module 'h3' {
  interface H3EventContext {
    /** Set by `middleware/06.shared-pages.ts` when this request renders a page others may share. */
    pageClaim?: PageClaim
  }
}

/** Cookies a shared page may carry: the theme, which is part of the page's key. */
const SHAREABLE_COOKIE = /^pulseboard-theme=/

/**
 * Hands a rendered dashboard page to the requests waiting for it (see
 * `middleware/06.shared-pages.ts`). Runs after the CSP plugin, so the shared
 * headers include the page's policy, and before the page is compressed for
 * this request. A page that sets any other cookie, or is not a 200, is not shared.
 */
export default defineNitroPlugin((nitroApp) => {
  nitroApp.hooks.hook('render:response', (response, { event }) => {
    const claim = event.context.pageClaim
    if (!claim) return
    event.context.pageClaim = undefined
    const cookies = [event.node.res.getHeader('set-cookie') ?? []].flat().map(String)
    const shareable = (response.statusCode ?? 200) === 200
      && typeof response.body === 'string'
      && cookies.every(cookie => SHAREABLE_COOKIE.test(cookie))
    claim.settle(shareable ? { html: response.body as string, headers: stringHeaders(response.headers) } : null)
  })
})

function stringHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([, value]) => value !== undefined).map(([name, value]) => [name, String(value)]))
}
