import { consola } from 'consola'
import { readSecurityConfig, SecurityConfigError } from '../core/auth/security-config'
import { createSecurity, setSecurity } from '../core/auth/security'
import { applySecurityHeaders } from '../core/auth/response-headers'
import { securityHeaders } from '../core/auth/security-headers'
import { limitHttpServers } from '../core/limits/node-server'
import { createLogger } from '../core/logger'
import { usePulse } from '../core/pulse'

/**
 * Reads and checks the security settings, then creates the ticket store and
 * the limiters, sets the security headers on every response (static files
 * too) and the Node server's time limits. A bad setting stops the process
 * with a message naming the variable: an instance must not run
 * half-protected.
 */
export default defineNitroPlugin((nitroApp) => {
  let config
  try {
    config = readSecurityConfig(useRuntimeConfig())
  }
  catch (error) {
    if (!(error instanceof SecurityConfigError)) throw error
    consola.error(`[security] ${error.message}`)
    // Tests and `nuxi dev` surface the thrown error; the production server must exit.
    if (!import.meta.dev) process.exit(1)
    throw error
  }
  const { redis, redisPrefix } = usePulse().config
  const security = createSecurity(config, { redis, redisPrefix, logger: createLogger('security') })
  setSecurity(security)

  const { frameAncestors } = config
  nitroApp.hooks.hook('request', event => applySecurityHeaders(event, frameAncestors))
  const stopLimiting = limitHttpServers({
    requestTimeoutMs: config.requestTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    headers: securityHeaders(frameAncestors),
  })

  const modes = ['cookie session', 'ticket', 'bearer', ...(config.sseAllowQueryToken ? ['query token'] : [])]
  consola.withTag('security').info(config.authEnabled
    ? `viewer authentication on (${modes.join(', ')}); tickets in ${security.tickets.kind}`
    : 'viewer authentication off: anyone who can reach this instance can watch it (set NUXT_VIEWER_TOKEN)')

  nitroApp.hooks.hook('close', async () => {
    stopLimiting()
    await security.close()
    setSecurity(null)
  })
})
