import { TrustedProxies } from '../limits/client-ip'

/**
 * Security settings (viewer authentication, CORS, limits, proxies), read once
 * at start-up from runtimeConfig. Anything unsafe or ambiguous is refused
 * here with a message that names the variable, so a misconfigured instance
 * never starts half-protected.
 */
export interface SecurityConfig {
  /** Viewer authentication is on exactly when a viewer token is set. */
  authEnabled: boolean
  viewerToken: string
  sessionPassword: string
  sessionMaxAgeSeconds: number
  sseAllowQueryToken: boolean
  sseTicketTtlMs: number
  /** Exact origins (`scheme://host[:port]`) allowed to call the API from a browser. */
  corsOrigins: ReadonlySet<string>
  /** Addresses or CIDR ranges of reverse proxies whose X-Forwarded-* headers are believed. */
  trustedProxies: readonly string[]
  /** CSP `frame-ancestors` sources; `'none'` forbids framing entirely. */
  frameAncestors: string
  sseMaxConnections: number
  sseMaxConnectionsPerIp: number
  ingestRatePerSecond: number
  ingestRateBurst: number
  /** Wrong secrets per client address per minute, for each scope (sign-in, viewer, publisher, metrics). */
  authFailuresPerMinute: number
  sseOpensPerMinute: number
  historyReadsPerMinute: number
  sseTicketsPerMinute: number
  ingestMaxConcurrentPerIp: number
  /** Node's `requestTimeout`: the whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number
  /** Node's `headersTimeout`: the request headers must arrive within this. */
  headersTimeoutMs: number
}

export class SecurityConfigError extends Error {
  override name = 'SecurityConfigError'
}

type Loose = Record<string, unknown>

export const MIN_SESSION_PASSWORD_LENGTH = 32
export const MIN_VIEWER_TOKEN_LENGTH = 16
/** Publisher and metrics tokens: as long as the viewer token, for the same reason (guessing). */
export const MIN_SERVICE_TOKEN_LENGTH = 16

function text(raw: unknown): string {
  return raw === undefined || raw === null ? '' : String(raw).trim()
}

function positiveInt(raw: unknown, name: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) throw new SecurityConfigError(`${name} must be a positive integer, got ${String(raw)}`)
  return value
}

function flag(raw: unknown, name: string): boolean {
  if (raw === undefined || raw === '' || raw === false || raw === 'false') return false
  if (raw === true || raw === 'true') return true
  throw new SecurityConfigError(`${name} must be true or false, got ${String(raw)}`)
}

/** A list given as `a,b` (env), or as an array (destr turns `["a"]` into one). */
function list(raw: unknown): string[] {
  const items = Array.isArray(raw) ? raw.map(String) : text(raw).split(',')
  return items.map(item => item.trim()).filter(Boolean)
}

function origins(raw: unknown): Set<string> {
  const out = new Set<string>()
  for (const item of list(raw)) {
    if (item.includes('*')) {
      throw new SecurityConfigError('NUXT_CORS_ORIGINS must list exact origins: `*` is refused because API responses carry credentials')
    }
    let url: URL
    try {
      url = new URL(item)
    }
    catch {
      throw new SecurityConfigError(`NUXT_CORS_ORIGINS: "${item}" is not an origin (expected scheme://host[:port])`)
    }
    if (!/^https?:$/.test(url.protocol) || url.origin !== item.replace(/\/$/, '')) {
      throw new SecurityConfigError(`NUXT_CORS_ORIGINS: "${item}" is not an origin (expected scheme://host[:port], no path)`)
    }
    out.add(url.origin)
  }
  return out
}

const FRAME_SOURCE = /^(?:'none'|'self'|https?:\/\/[\w.-]+(?::\d+)?|\*\.[\w.-]+)$/

function proxies(raw: unknown): string[] {
  const entries = list(raw)
  try {
    new TrustedProxies(entries)
  }
  catch (error) {
    throw new SecurityConfigError((error as Error).message)
  }
  return entries
}

function frameAncestors(raw: unknown): string {
  const sources = list(text(raw).replace(/\s+/g, ','))
  if (sources.length === 0) return `'none'`
  const bad = sources.find(source => !FRAME_SOURCE.test(source))
  if (bad !== undefined) throw new SecurityConfigError(`NUXT_FRAME_ANCESTORS: "${bad}" is not a frame-ancestors source ('none', 'self' or an origin)`)
  if (sources.includes(`'none'`) && sources.length > 1) throw new SecurityConfigError(`NUXT_FRAME_ANCESTORS: 'none' cannot be combined with other sources`)
  return sources.join(' ')
}

function serviceToken(raw: unknown, name: string): void {
  const token = text(raw)
  if (token !== '' && token.length < MIN_SERVICE_TOKEN_LENGTH) {
    throw new SecurityConfigError(`${name} must be at least ${MIN_SERVICE_TOKEN_LENGTH} characters (or empty to disable it); refusing to start`)
  }
}

function timeouts(runtime: Loose): { requestTimeoutMs: number, headersTimeoutMs: number } {
  const requestTimeoutMs = positiveInt(runtime.requestTimeoutMs, 'NUXT_REQUEST_TIMEOUT_MS', 30_000)
  const headersTimeoutMs = positiveInt(runtime.headersTimeoutMs, 'NUXT_HEADERS_TIMEOUT_MS', 10_000)
  if (headersTimeoutMs > requestTimeoutMs) throw new SecurityConfigError('NUXT_HEADERS_TIMEOUT_MS must not exceed NUXT_REQUEST_TIMEOUT_MS')
  return { requestTimeoutMs, headersTimeoutMs }
}

export function readSecurityConfig(runtime: Loose): SecurityConfig {
  serviceToken(runtime.publishToken, 'NUXT_PUBLISH_TOKEN')
  serviceToken(runtime.metricsToken, 'NUXT_METRICS_TOKEN')
  const viewerToken = text(runtime.viewerToken)
  const sessionPassword = text(runtime.sessionPassword)
  const authEnabled = viewerToken !== ''
  if (authEnabled) {
    if (sessionPassword.length < MIN_SESSION_PASSWORD_LENGTH) {
      throw new SecurityConfigError(`NUXT_VIEWER_TOKEN is set, so NUXT_SESSION_PASSWORD must be set too, at least ${MIN_SESSION_PASSWORD_LENGTH} characters (it seals the session cookies); refusing to start`)
    }
    if (viewerToken.length < MIN_VIEWER_TOKEN_LENGTH) {
      throw new SecurityConfigError(`NUXT_VIEWER_TOKEN must be at least ${MIN_VIEWER_TOKEN_LENGTH} characters; refusing to start`)
    }
    if (viewerToken === text(runtime.publishToken)) {
      throw new SecurityConfigError('NUXT_VIEWER_TOKEN and NUXT_PUBLISH_TOKEN must differ: a viewer must not be able to publish; refusing to start')
    }
    if (viewerToken === sessionPassword) {
      throw new SecurityConfigError('NUXT_SESSION_PASSWORD must differ from NUXT_VIEWER_TOKEN; refusing to start')
    }
  }
  return {
    authEnabled,
    viewerToken,
    sessionPassword,
    sessionMaxAgeSeconds: positiveInt(runtime.sessionMaxAgeSeconds, 'NUXT_SESSION_MAX_AGE_SECONDS', 604_800),
    sseAllowQueryToken: flag(runtime.sseAllowQueryToken, 'NUXT_SSE_ALLOW_QUERY_TOKEN'),
    sseTicketTtlMs: positiveInt(runtime.sseTicketTtlMs, 'NUXT_SSE_TICKET_TTL_MS', 30_000),
    corsOrigins: origins(runtime.corsOrigins),
    trustedProxies: proxies(runtime.trustedProxies),
    frameAncestors: frameAncestors(runtime.frameAncestors),
    sseMaxConnections: positiveInt(runtime.sseMaxConnections, 'NUXT_SSE_MAX_CONNECTIONS', 10_000),
    sseMaxConnectionsPerIp: positiveInt(runtime.sseMaxConnectionsPerIp, 'NUXT_SSE_MAX_CONNECTIONS_PER_IP', 100),
    ingestRatePerSecond: positiveInt(runtime.ingestRatePerSecond, 'NUXT_INGEST_RATE_PER_SECOND', 50),
    ingestRateBurst: positiveInt(runtime.ingestRateBurst, 'NUXT_INGEST_RATE_BURST', 100),
    authFailuresPerMinute: positiveInt(runtime.authFailuresPerMinute, 'NUXT_AUTH_FAILURES_PER_MINUTE', 20),
    sseOpensPerMinute: positiveInt(runtime.sseOpensPerMinute, 'NUXT_SSE_OPENS_PER_MINUTE', 120),
    historyReadsPerMinute: positiveInt(runtime.historyReadsPerMinute, 'NUXT_HISTORY_READS_PER_MINUTE', 60),
    sseTicketsPerMinute: positiveInt(runtime.sseTicketsPerMinute, 'NUXT_SSE_TICKETS_PER_MINUTE', 120),
    ingestMaxConcurrentPerIp: positiveInt(runtime.ingestMaxConcurrentPerIp, 'NUXT_INGEST_MAX_CONCURRENT_PER_IP', 8),
    ...timeouts(runtime),
  }
}
