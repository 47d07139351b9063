import type { TicketStore } from './ticket-store'
import { isTicketShaped, newTicket, ticketDigest } from './ticket-store'

/**
 * Tickets in this process: right for one instance (or sticky sessions).
 *
 * Bounded: expired tickets leave from the front on every issue (the map is
 * in issue order, and the lifetime is one setting, so the oldest expire
 * first); when the store is still full the oldest live ticket makes room.
 * A flood of issues therefore never refuses anyone: it can only shorten the
 * life of tickets older than the flood, and the per-address ticket rate
 * (README, Security) keeps one client from flooding at all.
 */
export class MemoryTicketStore implements TicketStore {
  readonly kind = 'memory' as const
  /** digest → expiry time (ms), in issue order */
  private readonly tickets = new Map<string, number>()

  constructor(private readonly maxOutstanding = 10_000, private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.tickets.size
  }

  async issue(ttlMs: number): Promise<string> {
    const now = this.now()
    this.dropExpired(now)
    if (this.tickets.size >= this.maxOutstanding) this.dropOldest()
    const ticket = newTicket()
    this.tickets.set(ticketDigest(ticket), now + ttlMs)
    return ticket
  }

  async redeem(ticket: string): Promise<boolean> {
    if (!isTicketShaped(ticket)) return false
    const digest = ticketDigest(ticket)
    const expiresAt = this.tickets.get(digest)
    if (expiresAt === undefined) return false
    // Deleted before answering: a second redemption finds nothing.
    this.tickets.delete(digest)
    return this.now() < expiresAt
  }

  async close(): Promise<void> {
    this.tickets.clear()
  }

  private dropExpired(now: number): void {
    for (const [digest, expiresAt] of this.tickets) {
      if (expiresAt > now) return
      this.tickets.delete(digest)
    }
  }

  private dropOldest(): void {
    const oldest = this.tickets.keys().next()
    if (!oldest.done) this.tickets.delete(oldest.value)
  }
}
