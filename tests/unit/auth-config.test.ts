import { describe, expect, it } from 'vitest'
import { readSecurityConfig, SecurityConfigError } from '../../server/core/auth/security-config'

const VIEWER = 'viewer-token-for-tests-0001'
const PASSWORD = 'a-session-password-of-at-least-32-chars'

function refused(runtime: Record<string, unknown>): string {
  try {
    readSecurityConfig(runtime)
  }
  catch (error) {
    expect(error).toBeInstanceOf(SecurityConfigError)
    return (error as Error).message
  }
  throw new Error('expected the configuration to be refused')
}

describe('security settings', () => {
  it('has authentication off and safe defaults when nothing is set', () => {
    const config = readSecurityConfig({})
    expect(config).toMatchObject({
      authEnabled: false,
      sseAllowQueryToken: false,
      sseTicketTtlMs: 30_000,
      frameAncestors: `'none'`,
      sseMaxConnections: 10_000,
      sseMaxConnectionsPerIp: 100,
    })
    expect(config.corsOrigins.size).toBe(0)
  })

  it('refuses publisher and metrics tokens shorter than 16 characters, naming the variable; empty stays allowed', () => {
    expect(refused({ publishToken: 'a' })).toMatch(/NUXT_PUBLISH_TOKEN must be at least 16/)
    expect(refused({ metricsToken: 'm'.repeat(15) })).toMatch(/NUXT_METRICS_TOKEN must be at least 16/)
    expect(() => readSecurityConfig({ publishToken: 'p'.repeat(16), metricsToken: '' })).not.toThrow()
  })

  it('has request limits by default and refuses a headers timeout beyond the request timeout', () => {
    expect(readSecurityConfig({})).toMatchObject({ sseOpensPerMinute: 120, historyReadsPerMinute: 60, sseTicketsPerMinute: 120, ingestMaxConcurrentPerIp: 8, requestTimeoutMs: 30_000, headersTimeoutMs: 10_000 })
    expect(refused({ requestTimeoutMs: 1000, headersTimeoutMs: 2000 })).toMatch(/NUXT_HEADERS_TIMEOUT_MS/)
  })

  it('turns authentication on with the viewer token alone, given a proper session password', () => {
    expect(readSecurityConfig({ viewerToken: VIEWER, sessionPassword: PASSWORD }).authEnabled).toBe(true)
  })

  it('refuses a viewer token without a session password of 32+ characters, naming both variables', () => {
    expect(refused({ viewerToken: VIEWER })).toMatch(/NUXT_SESSION_PASSWORD.*at least 32/)
    expect(refused({ viewerToken: VIEWER, sessionPassword: 'x'.repeat(31) })).toMatch(/NUXT_VIEWER_TOKEN is set/)
  })

  it('refuses a short viewer token, or one equal to the publisher token or the password', () => {
    expect(refused({ viewerToken: 'short', sessionPassword: PASSWORD })).toMatch(/at least 16/)
    expect(refused({ viewerToken: VIEWER, sessionPassword: PASSWORD, publishToken: VIEWER })).toMatch(/must differ/)
    expect(refused({ viewerToken: PASSWORD, sessionPassword: PASSWORD })).toMatch(/must differ/)
  })

  it('takes CORS origins exactly and refuses `*`, paths and non-origins', () => {
    const config = readSecurityConfig({ corsOrigins: 'https://ops.example.com, http://localhost:3000' })
    expect([...config.corsOrigins]).toEqual(['https://ops.example.com', 'http://localhost:3000'])
    expect(readSecurityConfig({ corsOrigins: ['https://a.example'] }).corsOrigins.has('https://a.example')).toBe(true)
    expect(refused({ corsOrigins: '*' })).toMatch(/`\*` is refused/)
    expect(refused({ corsOrigins: 'https://*.example.com' })).toMatch(/`\*` is refused/)
    expect(refused({ corsOrigins: 'https://a.example/path' })).toMatch(/not an origin/)
    expect(refused({ corsOrigins: 'a.example' })).toMatch(/not an origin/)
    expect(refused({ corsOrigins: 'ftp://a.example' })).toMatch(/not an origin/)
  })

  it('checks trusted proxies, flags, numbers and frame ancestors', () => {
    expect(readSecurityConfig({ trustedProxies: '127.0.0.1, 10.0.0.0/8, fd00::/8' }).trustedProxies).toHaveLength(3)
    expect(refused({ trustedProxies: 'proxy.local' })).toMatch(/NUXT_TRUSTED_PROXIES/)
    expect(refused({ trustedProxies: '10.0.0.0/33' })).toMatch(/prefix/)
    expect(readSecurityConfig({ sseAllowQueryToken: 'true' }).sseAllowQueryToken).toBe(true)
    expect(refused({ sseAllowQueryToken: 'yes' })).toMatch(/NUXT_SSE_ALLOW_QUERY_TOKEN/)
    expect(refused({ sseMaxConnections: '0' })).toMatch(/NUXT_SSE_MAX_CONNECTIONS/)
    expect(refused({ ingestRatePerSecond: '1.5' })).toMatch(/positive integer/)
    expect(readSecurityConfig({ frameAncestors: `'self' https://wall.example` }).frameAncestors).toBe(`'self' https://wall.example`)
    expect(refused({ frameAncestors: `'none' 'self'` })).toMatch(/cannot be combined/)
    expect(refused({ frameAncestors: `javascript:x` })).toMatch(/NUXT_FRAME_ANCESTORS/)
  })
})
