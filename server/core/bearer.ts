import { createHash, timingSafeEqual } from 'node:crypto'

/** Constant-time comparison of a presented secret with the expected one. */
export function secretEquals(given: string, expected: string): boolean {
  if (!given || !expected) return false
  // Hashing first makes both sides the same length, so nothing leaks through timing.
  const digest = (value: string) => createHash('sha256').update(value).digest()
  return timingSafeEqual(digest(given), digest(expected))
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match ? match[1]! : null
}

/** Constant-time check of an `Authorization: Bearer <token>` header. */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  const token = bearerToken(header)
  return token !== null && secretEquals(token, expected)
}
