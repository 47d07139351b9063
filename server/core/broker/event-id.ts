/**
 * Event ids are Redis stream ids (`<milliseconds>-<sequence>`), allocated once
 * per durable event by the broker's log. They are global (every instance sends
 * the same id for the same event) and totally ordered, which is what makes
 * `Last-Event-ID` resume work on any instance.
 */
export interface EventId {
  ms: number
  seq: number
}

/** Longest id we accept; anything longer is refused before parsing. */
export const MAX_EVENT_ID_LENGTH = 32

const ID_PATTERN = /^(\d{1,15})-(\d{1,15})$/

/** `0-0` means "before everything": resume from the start of the retained log. */
export const ORIGIN_ID = '0-0'

export function parseEventId(raw: string): EventId | null {
  if (raw.length > MAX_EVENT_ID_LENGTH) return null
  const match = ID_PATTERN.exec(raw)
  if (!match) return null
  return { ms: Number(match[1]), seq: Number(match[2]) }
}

export function isEventId(raw: string): boolean {
  return parseEventId(raw) !== null
}

export function formatEventId(id: EventId): string {
  return `${id.ms}-${id.seq}`
}

/**
 * Orders two well-formed ids; callers validate first. Called for every
 * event by several readers, so it splits at the dash instead of running the
 * validating pattern and allocating two ids (a fifth of the start-up read).
 */
export function compareEventIds(a: string, b: string): number {
  const dashA = a.indexOf('-')
  const dashB = b.indexOf('-')
  const msA = dashA > 0 ? Number(a.slice(0, dashA)) : Number.NaN
  const msB = dashB > 0 ? Number(b.slice(0, dashB)) : Number.NaN
  const seqA = Number(a.slice(dashA + 1))
  const seqB = Number(b.slice(dashB + 1))
  if (Number.isNaN(msA + seqA)) throw new TypeError(`not an event id: ${a}`)
  if (Number.isNaN(msB + seqB)) throw new TypeError(`not an event id: ${b}`)
  return msA - msB || seqA - seqB
}

/** The next id after `last` for an event at time `now` (same rule as Redis XADD *). */
export function nextEventId(last: EventId | null, now: number): EventId {
  if (!last || now > last.ms) return { ms: now, seq: 0 }
  return { ms: last.ms, seq: last.seq + 1 }
}
