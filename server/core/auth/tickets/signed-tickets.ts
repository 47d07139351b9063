import { createHmac, timingSafeEqual } from 'node:crypto'
import type { TicketStore } from './ticket-store'

/**
 * - `redeemed`: a live ticket, now spent.
 * - `spent`: a ticket this deployment issued, but expired or already used.
 *   A browser's EventSource reconnects with the URL it was given, so this is
 *   what a dashboard sends after a deploy: not a guess, never charged.
 * - `forged`: not issued here (bad signature, junk): a guess, charged.
 */
export type TicketVerdict = 'redeemed' | 'spent' | 'forged'

const MAC_BYTES = 16
const SEPARATOR = '.'

/**
 * Stream tickets with a signature: `<store ticket>.<HMAC>`, keyed from
 * NUXT_SESSION_PASSWORD (the same on every instance). The store still
 * decides whether a ticket is live; the signature only tells a ticket we
 * issued from a guess without keeping spent tickets around.
 */
export class SignedTickets {
  private readonly key: Buffer

  constructor(private readonly store: TicketStore, secret: string) {
    this.key = createHmac('sha256', secret).update('pulseboard stream ticket v1').digest()
  }

  get kind(): TicketStore['kind'] {
    return this.store.kind
  }

  async issue(ttlMs: number): Promise<string> {
    const inner = await this.store.issue(ttlMs)
    return `${inner}${SEPARATOR}${this.mac(inner).toString('base64url')}`
  }

  /** Rejects with `TicketStoreUnavailableError` only for signed tickets (a forged one never reaches the store). */
  async redeem(ticket: string): Promise<TicketVerdict> {
    const inner = this.verify(ticket)
    if (inner === null) return 'forged'
    return await this.store.redeem(inner) ? 'redeemed' : 'spent'
  }

  /** Synchronous: whether `ticket` carries our signature (so no await sits between a check and a charge). */
  isSigned(ticket: string): boolean {
    return this.verify(ticket) !== null
  }

  close(): Promise<void> {
    return this.store.close()
  }

  private verify(ticket: string): string | null {
    const cut = ticket.lastIndexOf(SEPARATOR)
    if (cut <= 0) return null
    const text = ticket.slice(cut + 1)
    const given = Buffer.from(text, 'base64url')
    // Base64 decoding skips stray characters: only the canonical spelling is ours.
    if (given.length !== MAC_BYTES || given.toString('base64url') !== text) return null
    const inner = ticket.slice(0, cut)
    return timingSafeEqual(given, this.mac(inner)) ? inner : null
  }

  private mac(inner: string): Buffer {
    return createHmac('sha256', this.key).update(inner).digest().subarray(0, MAC_BYTES)
  }
}
