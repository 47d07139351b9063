import type { TicketStore } from './ticket-store'
import { isTicketShaped, newTicket, ticketDigest, TicketStoreUnavailableError } from './ticket-store'

/** Tickets in this process: right for one instance (or sticky sessions). */
export class MemoryTicketStore implements TicketStore {
  readonly kind = 'memory' as const
  /** digest → expiry time (ms) */
  private readonly tickets = new Map<string, number>()

  constructor(private readonly maxOutstanding = 10_000, private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.tickets.size
  }

  async issue(ttlMs: number): Promise<string> {
    if (this.tickets.size >= this.maxOutstanding) this.sweep()
    if (this.tickets.size >= this.maxOutstanding) throw new TicketStoreUnavailableError('too many outstanding tickets')
    const ticket = newTicket()
    this.tickets.set(ticketDigest(ticket), this.now() + ttlMs)
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

  private sweep(): void {
    const now = this.now()
    for (const [digest, expiresAt] of this.tickets) {
      if (expiresAt <= now) this.tickets.delete(digest)
    }
  }
}
