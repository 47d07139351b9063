/**
 * Event ids are `<ms>-<seq>` (Redis stream ids). The browser only needs to
 * know whether one comes after another, to drop what it already applied.
 * (The server's full helpers live in server/core/broker/event-id.ts, which
 * the Vue app may not import.)
 */
export function isAfterEventId(id: string, reference: string | null): boolean {
  if (reference === null) return true
  const [ms, seq] = id.split('-').map(Number) as [number, number]
  const [refMs, refSeq] = reference.split('-').map(Number) as [number, number]
  return ms > refMs || (ms === refMs && seq > refSeq)
}
