import type { RedisConnection, RedisTarget } from '../../broker/redis-connection'
import { createRedisConnection } from '../../broker/redis-connection'
import type { TicketStore } from './ticket-store'
import { isTicketShaped, newTicket, ticketDigest, TicketStoreUnavailableError } from './ticket-store'
import type { Logger } from '../../logger'

/**
 * Tickets in Redis, so a ticket issued by one instance can be redeemed on any
 * other: `SET NX PX` stores it with its time to live, `GETDEL` redeems it
 * atomically (two instances racing for one ticket: exactly one wins).
 * Redis 6.2+ (the broker already needs 7).
 */
export class RedisTicketStore implements TicketStore {
  readonly kind = 'redis' as const
  private readonly redis: RedisConnection

  constructor(target: RedisTarget, private readonly prefix: string, logger: Logger) {
    // No offline queue: while Redis is away a ticket request gets 503 now, not a hang.
    this.redis = createRedisConnection(target, { role: 'tickets' })
    this.redis.on('error', error => logger.warn(`redis ticket store: ${error.message}`))
  }

  /** Connects in the background; never throws. */
  start(): void {
    this.redis.connect().catch(() => {})
  }

  async issue(ttlMs: number): Promise<string> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const ticket = newTicket()
      const stored = await this.command(() => this.redis.set(this.key(ticket), '1', 'PX', ttlMs, 'NX'))
      if (stored === 'OK') return ticket
    }
    throw new TicketStoreUnavailableError('could not store a fresh ticket')
  }

  async redeem(ticket: string): Promise<boolean> {
    if (!isTicketShaped(ticket)) return false
    const value = await this.command(() => this.redis.getdel(this.key(ticket)))
    return value !== null
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => {})
    this.redis.disconnect()
  }

  private key(ticket: string): string {
    return `${this.prefix}:ticket:${ticketDigest(ticket)}`
  }

  private async command<T>(run: () => Promise<T>): Promise<T> {
    if (this.redis.status !== 'ready') throw new TicketStoreUnavailableError('redis is not connected')
    try {
      return await run()
    }
    catch (error) {
      throw new TicketStoreUnavailableError((error as Error).message)
    }
  }
}
