import { useSecurity } from '../core/auth/security'
import { inlineHashes, pagePolicy } from '../core/auth/csp'

/**
 * Every server-rendered page gets a CSP listing the hashes of its own inline
 * scripts and styles. Not in development: Vite's client needs inline and
 * eval'd code that production never ships.
 */
export default defineNitroPlugin((nitroApp) => {
  if (import.meta.dev) return
  const { frameAncestors } = useSecurity().config
  const cdnURL = useRuntimeConfig().app.cdnURL
  const assetOrigin = cdnURL ? new URL(cdnURL).origin : undefined

  nitroApp.hooks.hook('render:response', (response) => {
    if (typeof response.body !== 'string') return
    const headers = (response.headers ??= {})
    const type = String(headers['content-type'] ?? '')
    if (!type.startsWith('text/html')) return
    headers['content-security-policy'] = pagePolicy({ hashes: inlineHashes(response.body), frameAncestors, assetOrigin })
    delete headers['x-powered-by']
  })
})
