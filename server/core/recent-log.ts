import type { EncodedMessage } from './sse/encoded-message'
import type { LogRetention } from './broker/types'
import { parseEventId } from './broker/event-id'

/**
 * The newest durable messages this instance dispatched, oldest first,
 * bounded by count and by (approximate) bytes.
 *
 * The broker hands every durable event to the hub exactly once and in id
 * order, so the entries after a given id here are exactly the events after
 * it that this instance has sent live, and everything later will arrive
 * live. A resume whose id is in this window (a reconnect after a short drop,
 * a whole storm of them) needs no log read, no validation and no encoding:
 * it writes the frames every other client already got.
 *
 * It answers only what the log itself would: never more events than the log
 * keeps, and no id older than the log's age limit (by this instance's clock,
 * the same rule the broker's replay applies). Otherwise an instance that
 * still holds an id in memory would replay where another answers `reset`.
 */
export class RecentLog {
  private readonly ring: (EncodedMessage | undefined)[]
  private readonly seqById = new Map<string, number>()
  /** Sequence number of the oldest entry kept and of the next one. */
  private first = 0
  private next = 0
  private bytes = 0

  private readonly maxEntries: number

  /** `maxEntries` 0 keeps nothing: every resume reads the log. */
  constructor(
    maxEntries: number,
    private readonly maxBytes: number,
    private readonly retention: LogRetention = { maxAgeMs: Infinity, maxEvents: Infinity },
    private readonly now: () => number = Date.now,
  ) {
    this.maxEntries = Math.max(0, Math.min(maxEntries, retention.maxEvents))
    this.ring = new Array(this.maxEntries)
  }

  get size(): number {
    return this.next - this.first
  }

  push(entry: EncodedMessage): void {
    if (entry.message.id === undefined || this.maxEntries === 0) return
    if (this.size === this.maxEntries) this.dropOldest()
    this.ring[this.next % this.maxEntries] = entry
    this.seqById.set(entry.message.id, this.next++)
    this.bytes += entry.approximateBytes
    while (this.bytes > this.maxBytes && this.size > 1) this.dropOldest()
  }

  /** Forgets everything (the log these ids belong to is gone). */
  clear(): void {
    while (this.size > 0) this.dropOldest()
  }

  /** Entries strictly after `id`, oldest first; null when `id` is not in the window. */
  after(id: string): EncodedMessage[] | null {
    const seq = this.seqById.get(id)
    if (seq === undefined) return null
    if (parseEventId(id)!.ms < this.now() - this.retention.maxAgeMs) return null
    const out: EncodedMessage[] = []
    for (let s = seq + 1; s < this.next; s++) out.push(this.ring[s % this.maxEntries]!)
    return out
  }

  private dropOldest(): void {
    const slot = this.first % this.maxEntries
    const entry = this.ring[slot]!
    this.ring[slot] = undefined
    this.seqById.delete(entry.message.id!)
    this.bytes -= entry.approximateBytes
    this.first++
  }
}
