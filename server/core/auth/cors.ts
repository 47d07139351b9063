/**
 * CORS for the API: only origins on the allowlist get CORS headers, always
 * the exact origin (never `*`, since viewer responses carry credentials),
 * always with `Vary: Origin` so caches keep answers per origin apart.
 */
export interface CorsDecision {
  allowed: boolean
  headers: Record<string, string>
}

const PREFLIGHT_MAX_AGE_SECONDS = 600

export function corsDecision(origin: string, allowlist: ReadonlySet<string>, options: { preflight: boolean, credentials: boolean }): CorsDecision {
  if (!allowlist.has(origin)) return { allowed: false, headers: { Vary: 'Origin' } }
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': origin,
    'Vary': 'Origin',
  }
  if (options.credentials) headers['Access-Control-Allow-Credentials'] = 'true'
  if (options.preflight) {
    headers['Access-Control-Allow-Methods'] = 'GET, POST'
    headers['Access-Control-Allow-Headers'] = 'Authorization, Content-Type, Last-Event-ID'
    headers['Access-Control-Max-Age'] = String(PREFLIGHT_MAX_AGE_SECONDS)
  }
  else {
    headers['Access-Control-Expose-Headers'] = 'Retry-After'
  }
  return { allowed: true, headers }
}
