import { isAfterEventId } from './event-order'

/**
 * What the tab holding the stream tells the others over a BroadcastChannel
 * (README, The dashboard, "One stream per browser"). Pure data and pure
 * helpers, so they can be tested without a browser.
 */
export interface RelayedEvent {
  name: string
  /** Parsed `data:` (BroadcastChannel copies it with structured clone). */
  data: unknown
  /** The frame's `id:`; empty for live-only events and heartbeats. */
  id: string
  /** The id of the durable event before this one on the holder's stream (its resume id for the first). */
  prev: string | null
}

export type RelayedStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

export type RelayMessage
  /** The holder's stream events, oldest first, a few at a time (one message per event costs every tab a clone). */
  = | { kind: 'events', from: string, events: RelayedEvent[] }
  /** Sent on every change and every second, so the others know the holder is alive. */
    | { kind: 'status', from: string, since: number, status: RelayedStatus, attempt: number, error: string | null }
  /** A tab that (re)joins asks for what came after the newest id it has. */
    | { kind: 'catch-up', from: string, after: string }
  /** The holder's answer: null when its memory no longer reaches back that far. */
    | { kind: 'replay', from: string, to: string, events: RelayedEvent[] | null }
  /** A tab that saw the page come back (online, visible, awake) asks the holder to check its stream. */
    | { kind: 'check', from: string }

/** The durable events a tab has seen relayed, newest last, bounded. */
export class RelayLog {
  private entries: RelayedEvent[] = []
  /** Entries before this index are dropped; they are cut off in one go once they fill the capacity again. */
  private start = 0

  constructor(private readonly capacity = 2000) {}

  get size(): number {
    return this.entries.length - this.start
  }

  add(event: RelayedEvent): void {
    if (!event.id) return
    this.entries.push(event)
    // Dropping the oldest one by one would move the whole log on every event
    // (hundreds a second with a fleet): move the start instead, compact rarely.
    if (this.size > this.capacity) this.start = this.entries.length - this.capacity
    if (this.start >= this.capacity) {
      this.entries = this.entries.slice(this.start)
      this.start = 0
    }
  }

  clear(): void {
    this.entries = []
    this.start = 0
  }

  /**
   * The events after `id`, oldest first; null when the log does not reach
   * back to `id` (something between would be missing). An empty log has
   * nothing to offer and nothing to miss: the stream just started.
   */
  after(id: string): RelayedEvent[] | null {
    const first = this.entries[this.start]
    if (!first) return []
    const reaches = first.prev !== null ? !isAfterEventId(first.prev, id) : !isAfterEventId(first.id, id)
    if (!reaches) return null
    return this.entries.slice(this.start).filter(event => isAfterEventId(event.id, id))
  }
}

/**
 * Where a tab that takes over the stream resumes: the older of the newest id
 * it has applied and the newest id relayed to all tabs, so that no tab misses
 * anything (what a tab already has it drops by id).
 */
export function resumePoint(applied: string | null, relayed: string | null): string | null {
  if (applied === null) return relayed
  if (relayed === null) return applied
  return isAfterEventId(applied, relayed) ? relayed : applied
}

/** True when a relayed event follows something this tab has not seen. */
export function leavesGap(event: RelayedEvent, applied: string | null): boolean {
  return applied !== null && event.id !== '' && event.prev !== null && isAfterEventId(event.prev, applied)
}

/** `url` with `lastEventId=<id>` set (or removed for null). */
export function withResumeId(url: string, id: string | null): string {
  const [path, query = ''] = url.split('?', 2) as [string, string?]
  const params = new URLSearchParams(query)
  if (id === null) params.delete('lastEventId')
  else params.set('lastEventId', id)
  const search = params.toString()
  return search ? `${path}?${search}` : path
}
