import { createHash, randomBytes } from 'node:crypto'

/**
 * Stream tickets (README, Security, option 2): a signed-in client trades its
 * session (or the viewer token) for a random, single-use ticket that is
 * valid for a short time and can travel in the stream URL, where a cookie or
 * header cannot.
 *
 * Guarantees of every store: a ticket is redeemed at most once, never after
 * its time to live, and (for the Redis store) on any instance. Stores keep
 * only a hash of the ticket, so reading the store does not yield tickets.
 */
export interface TicketStore {
  readonly kind: 'memory' | 'redis'
  /** Creates a ticket valid for `ttlMs`; rejects with `TicketStoreUnavailableError` when it cannot. */
  issue(ttlMs: number): Promise<string>
  /** True the first time a live ticket is redeemed; false for unknown, expired or reused ones. */
  redeem(ticket: string): Promise<boolean>
  close(): Promise<void>
}

export class TicketStoreUnavailableError extends Error {
  constructor(why: string) {
    super(`ticket store unavailable: ${why}`)
  }
}

const TICKET_BYTES = 24
const TICKET_SHAPE = /^[\w-]{32}$/

export function newTicket(): string {
  return randomBytes(TICKET_BYTES).toString('base64url')
}

/** Cheap check before any lookup: junk never reaches the store. */
export function isTicketShaped(raw: unknown): raw is string {
  return typeof raw === 'string' && TICKET_SHAPE.test(raw)
}

export function ticketDigest(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex')
}
