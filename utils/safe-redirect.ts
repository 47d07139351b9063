/**
 * Where to go after signing in: only a path on this site, never another
 * origin (`//evil.example`, `/\evil.example`, `https://...`), never back to
 * the login page.
 */
export function safeRedirect(raw: unknown, fallback = '/'): string {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//')) return fallback
  // Browsers treat a backslash like a slash, and control characters are stripped before parsing.
  if (raw.includes('\\') || [...raw].some(char => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7F)) return fallback
  const base = 'http://pulseboard.invalid'
  let url: URL
  try {
    url = new URL(raw, base)
  }
  catch {
    return fallback
  }
  if (url.origin !== base || url.pathname === '/login') return fallback
  return raw
}
