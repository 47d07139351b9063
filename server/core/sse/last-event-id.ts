import { isEventId, MAX_EVENT_ID_LENGTH } from '../broker/event-id'

export type LastEventIdResult = { ok: true, id: string | null } | { ok: false, error: string }

/**
 * The resume point: the `Last-Event-ID` header (sent by the browser on its
 * own reconnects) wins over the `lastEventId` query parameter (how a fresh
 * EventSource, which cannot set headers, continues from the SSR snapshot).
 */
export function readLastEventId(header: string | undefined, query: unknown): LastEventIdResult {
  const raw = header !== undefined && header !== '' ? header : query
  if (raw === undefined || raw === '') return { ok: true, id: null }
  if (typeof raw !== 'string') return { ok: false, error: '`lastEventId` must be given once' }
  if (raw.length > MAX_EVENT_ID_LENGTH) return { ok: false, error: 'event id is too long' }
  if (!isEventId(raw.trim())) return { ok: false, error: 'malformed event id (expected <ms>-<seq>)' }
  return { ok: true, id: raw.trim() }
}
