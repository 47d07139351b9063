import type { Channel } from '../../../shared/events'
import type { BrokerMessage, LogRetention, ReplayResult } from './types'
import { compareEventIds, formatEventId, nextEventId, ORIGIN_ID, parseEventId } from './event-id'

interface Entry extends BrokerMessage { id: string }

/**
 * The embedded broker's retained log: an ordered, bounded list of durable
 * events with Redis-stream-shaped ids. Trimming is by count and by age, like
 * the Redis log, and remembers that it happened so a resume across the trim
 * point is answered with `reset` instead of a silent gap.
 */
export class RetainedLog {
  private entries: Entry[] = []
  private head = 0
  private last: ReturnType<typeof parseEventId> = null
  private trimmed = false

  constructor(private readonly retention: LogRetention, private readonly now: () => number = Date.now) {}

  append(channel: Channel, json: string): Entry {
    const id = nextEventId(this.last, this.now())
    this.last = id
    const entry = { id: formatEventId(id), channel, json }
    this.entries.push(entry)
    this.trim()
    return entry
  }

  get size(): number {
    return this.entries.length - this.head
  }

  lastId(): string {
    return this.size ? this.entries[this.entries.length - 1]!.id : ORIGIN_ID
  }

  replay(afterId: string, limit: number, channels?: ReadonlySet<Channel>): ReplayResult {
    this.trim()
    if (afterId === ORIGIN_ID) {
      if (this.trimmed) return { kind: 'reset', reason: 'expired' }
      return this.slice(this.head, limit, afterId, channels)
    }
    const index = this.indexOf(afterId)
    if (index < 0) {
      const first = this.entries[this.head]
      const expired = this.trimmed && (!first || compareEventIds(afterId, first.id) < 0)
      return { kind: 'reset', reason: expired ? 'expired' : 'unknown-id' }
    }
    return this.slice(index + 1, limit, afterId, channels)
  }

  range(fromId: string, toId: string, limit: number): BrokerMessage[] {
    this.trim()
    const out: BrokerMessage[] = []
    for (let i = this.lowerBound(fromId); i < this.entries.length && out.length < limit; i++) {
      const entry = this.entries[i]!
      if (compareEventIds(entry.id, toId) > 0) break
      out.push(entry)
    }
    return out
  }

  private slice(start: number, limit: number, afterId: string, channels?: ReadonlySet<Channel>): ReplayResult {
    const end = Math.min(this.entries.length, start + limit)
    const page = this.entries.slice(start, end)
    const events = channels ? page.filter(entry => channels.has(entry.channel)) : page
    return { kind: 'ok', events, cursor: page.at(-1)?.id ?? afterId, truncated: end < this.entries.length }
  }

  /** First index whose id is >= `id` (binary search: ids are strictly increasing). */
  private lowerBound(id: string): number {
    let lo = this.head
    let hi = this.entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareEventIds(this.entries[mid]!.id, id) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private indexOf(id: string): number {
    const index = this.lowerBound(id)
    return this.entries[index]?.id === id ? index : -1
  }

  private trim(): void {
    const minMs = this.now() - this.retention.maxAgeMs
    const excess = this.size - this.retention.maxEvents
    let head = this.head + Math.max(0, excess)
    while (head < this.entries.length && parseEventId(this.entries[head]!.id)!.ms < minMs) head++
    if (head === this.head) return
    this.trimmed = true
    this.head = head
    // Compact once the dead prefix dominates, so trimming stays O(1) amortised.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head)
      this.head = 0
    }
  }
}
