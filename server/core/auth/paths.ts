/**
 * Which requests need a viewer. Deny by default: every API path does, except
 * the sign-in endpoints and ingest (which has its own publisher token), so an
 * endpoint added later (`/api/snapshot`, `/api/history`, ...) is protected
 * without anyone remembering to.
 */
export const STREAM_PATH = '/api/sse/dashboard'

const PUBLIC_API = [/^\/api\/auth\/(?:login|logout|session)$/, /^\/api\/ingest\/[^/]+$/]

/** The decoded path without query and trailing slash (the router ignores one trailing slash). */
export function routePath(path: string): string {
  const bare = path.split('?')[0]!
  return bare.length > 1 && bare.endsWith('/') ? bare.slice(0, -1) : bare
}

export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/')
}

export function needsViewer(path: string): boolean {
  return isApiPath(path) && !PUBLIC_API.some(pattern => pattern.test(path))
}

export function isStreamPath(path: string): boolean {
  return path === STREAM_PATH
}

export function isIngestPath(path: string): boolean {
  return path.startsWith('/api/ingest/')
}
