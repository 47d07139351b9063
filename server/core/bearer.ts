import { createHash, timingSafeEqual } from 'node:crypto'

/** Constant-time check of an `Authorization: Bearer <token>` header. */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  if (!header || !expected) return false
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!match) return false
  // Hashing first makes both sides the same length, so nothing leaks through timing.
  const digest = (value: string) => createHash('sha256').update(value).digest()
  return timingSafeEqual(digest(match[1]!), digest(expected))
}
