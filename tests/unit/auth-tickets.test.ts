import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { waitFor } from '../helpers/wait'
import type { TicketStore } from '../../server/core/auth/tickets/ticket-store'
import { isTicketShaped, ticketDigest, TicketStoreUnavailableError } from '../../server/core/auth/tickets/ticket-store'
import { MemoryTicketStore } from '../../server/core/auth/tickets/memory-ticket-store'
import { RedisTicketStore } from '../../server/core/auth/tickets/redis-ticket-store'
import { SignedTickets } from '../../server/core/auth/tickets/signed-tickets'

const quiet = { info() {}, warn() {}, error() {} }

/** What every store promises, whatever keeps the tickets. */
function contract(name: string, create: () => Promise<TicketStore>) {
  describe(`${name} ticket store`, () => {
    it('issues random, well-shaped tickets that redeem exactly once', async () => {
      const store = await create()
      const a = await store.issue(30_000)
      const b = await store.issue(30_000)
      expect(isTicketShaped(a)).toBe(true)
      expect(a).not.toBe(b)
      expect(await store.redeem(a)).toBe(true)
      expect(await store.redeem(a)).toBe(false)
      expect(await store.redeem(b)).toBe(true)
    })

    it('refuses unknown and malformed tickets without trouble', async () => {
      const store = await create()
      for (const junk of ['', 'x'.repeat(32), 'not a ticket', 'a'.repeat(10_000), '../../etc/passwd']) {
        expect(await store.redeem(junk)).toBe(false)
      }
    })

    it('lets only one of many concurrent redemptions of one ticket win', async () => {
      const store = await create()
      const ticket = await store.issue(30_000)
      const results = await Promise.all(Array.from({ length: 20 }, () => store.redeem(ticket)))
      expect(results.filter(Boolean)).toHaveLength(1)
    })
  })
}

contract('memory', async () => new MemoryTicketStore())

describe('memory ticket store, time and size', () => {
  it('refuses a ticket after its time to live', async () => {
    let now = 1000
    const store = new MemoryTicketStore(10, () => now)
    const ticket = await store.issue(30_000)
    now += 30_000
    expect(await store.redeem(ticket)).toBe(false)
  })

  it('bounds outstanding tickets: expired ones leave first, then the oldest live one makes room', async () => {
    let now = 0
    const store = new MemoryTicketStore(2, () => now)
    const first = await store.issue(100)
    const second = await store.issue(100)
    const third = await store.issue(100)
    expect(store.size).toBe(2)
    expect(await store.redeem(first)).toBe(false)
    expect(await store.redeem(second)).toBe(true)
    now += 100
    await store.issue(100)
    expect(store.size).toBe(1)
    expect(await store.redeem(third)).toBe(false)
  })

  it('never refuses to issue, however many tickets a flood asks for', async () => {
    const store = new MemoryTicketStore(1000)
    for (let i = 0; i < 5000; i++) await store.issue(30_000)
    expect(store.size).toBe(1000)
    expect(await store.redeem(await store.issue(30_000))).toBe(true)
  })
})

describe('signed tickets', () => {
  const SECRET = 'a-session-password-of-at-least-32-chars'

  it('tells a spent or expired ticket of ours from a forged one', async () => {
    let now = 0
    const tickets = new SignedTickets(new MemoryTicketStore(100, () => now), SECRET)
    const ticket = await tickets.issue(1000)
    expect(tickets.isSigned(ticket)).toBe(true)
    expect(await tickets.redeem(ticket)).toBe('redeemed')
    expect(await tickets.redeem(ticket)).toBe('spent')
    const late = await tickets.issue(1000)
    now += 1000
    expect(await tickets.redeem(late)).toBe('spent')
  })

  it('calls anything it did not sign forged, without asking the store', async () => {
    const store = new MemoryTicketStore()
    const ours = new SignedTickets(store, SECRET)
    const theirs = new SignedTickets(new MemoryTicketStore(), 'another-session-password-of-32-chars')
    const ticket = await ours.issue(30_000)
    const [inner = '', mac = ''] = ticket.split('.')
    const flipped = `${inner}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`
    for (const forged of ['', 'x', inner, `${inner}.`, flipped, `${ticket}!`, `${ticket}=`, await theirs.issue(30_000), 'A'.repeat(32)]) {
      expect(ours.isSigned(forged), forged).toBe(false)
      expect(await ours.redeem(forged), forged).toBe('forged')
    }
    // None of that spent the real ticket.
    expect(await ours.redeem(ticket)).toBe('redeemed')
  })
})

describe('redis ticket store', () => {
  let redis: RedisServer
  const stores: RedisTicketStore[] = []
  async function connected(prefix = 'test'): Promise<RedisTicketStore> {
    const store = new RedisTicketStore({ kind: 'single', url: redis.url }, prefix, quiet)
    stores.push(store)
    store.start()
    await waitFor(async () => {
      try {
        return (await store.redeem('x'.repeat(32))) === false
      }
      catch {
        return false
      }
    }, { what: 'ticket store connected' })
    return store
  }

  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await Promise.all(stores.map(store => store.close()))
    await redis?.stop()
  })

  contract('redis', () => connected())

  it('redeems on instance B a ticket issued on instance A, once', async () => {
    const a = await connected('shared')
    const b = await connected('shared')
    const ticket = await a.issue(30_000)
    expect(await b.redeem(ticket)).toBe(true)
    expect(await a.redeem(ticket)).toBe(false)
  })

  it('stores only a hash of the ticket, with its time to live, and refuses it once Redis expired it', async () => {
    const store = await connected('ttl')
    const ticket = await store.issue(150)
    const client = redis.client()
    const keys = await client.keys('ttl:ticket:*')
    expect(keys).toEqual([`ttl:ticket:${ticketDigest(ticket)}`])
    expect(keys[0]).not.toContain(ticket)
    await waitFor(async () => (await client.exists(keys[0]!)) === 0, { what: 'Redis to expire the ticket' })
    expect(await store.redeem(ticket)).toBe(false)
  })

  it('answers "unavailable" at once while Redis is down, and works again after it returns', async () => {
    const store = await connected('outage')
    await redis.kill()
    await waitFor(async () => {
      try {
        await store.issue(30_000)
        return false
      }
      catch (error) {
        return error instanceof TicketStoreUnavailableError
      }
    }, { what: 'issue to fail fast' })
    await expect(store.redeem('y'.repeat(32))).rejects.toBeInstanceOf(TicketStoreUnavailableError)
    await redis.restart()
    const ticket = await waitFor(async () => store.issue(30_000).catch(() => null), { what: 'ticket store back' })
    expect(await store.redeem(ticket)).toBe(true)
  })
})
