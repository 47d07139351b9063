import type { H3Event } from 'h3'
import { getRequestHeader } from 'h3'
import type { SecurityConfig } from './security-config'
import { ViewerSessions } from './viewer-session'
import type { TicketStore } from './tickets/ticket-store'
import { SignedTickets } from './tickets/signed-tickets'
import { MemoryTicketStore } from './tickets/memory-ticket-store'
import type { RedisTarget } from '../broker/redis-connection'
import { RedisTicketStore } from './tickets/redis-ticket-store'
import { normalizeAddress, TrustedProxies } from '../limits/client-ip'
import { ConnectionLimiter } from '../limits/connection-limiter'
import { RateLimiter } from '../limits/rate-limiter'
import { FailureBudgets } from '../limits/failure-budget'
import type { Logger } from '../logger'

/** What the security plugin creates once per instance, for middleware and routes. */
export interface Security {
  config: SecurityConfig
  /** Null while authentication is off. */
  sessions: ViewerSessions | null
  tickets: SignedTickets
  streamSlots: ConnectionLimiter
  /** Stream requests per client address, whatever their outcome (each can cost a replay). */
  streamOpens: RateLimiter
  historyReads: RateLimiter
  ticketIssues: RateLimiter
  ingestRate: RateLimiter
  /** Ingest requests in progress per client address (slow bodies hold one each). */
  ingestSlots: ConnectionLimiter
  /** Wrong secrets per client and scope: brute force gets 429. */
  failures: FailureBudgets
  proxies: TrustedProxies
  /** The client's address, honouring X-Forwarded-For from trusted proxies only. */
  clientAddress(event: H3Event): string
  isHttps(event: H3Event): boolean
  close(): Promise<void>
}

export interface SecurityDeps {
  /** Where tickets live; null: in this instance's memory. */
  redis: RedisTarget | null
  redisPrefix: string
  logger: Logger
}

export function createSecurity(config: SecurityConfig, deps: SecurityDeps): Security {
  const proxies = new TrustedProxies(config.trustedProxies)
  let store: TicketStore
  if (deps.redis) {
    const redisStore = new RedisTicketStore(deps.redis, deps.redisPrefix, deps.logger)
    redisStore.start()
    store = redisStore
  }
  else {
    store = new MemoryTicketStore()
  }
  // Tickets exist only with authentication on, and then the session password is set.
  const tickets = new SignedTickets(store, config.sessionPassword)
  const perMinute = (count: number) => new RateLimiter({ ratePerSecond: count / 60, burst: count })
  // Behind a proxy that is not listed, every viewer looks like the proxy and
  // shares one per-client budget: say so once, in plain words. (`nuxi dev`
  // forwards through a socket without an address: not worth a warning.)
  let warnedUntrustedProxy = false
  const clientAddress = (event: H3Event): string => {
    const peer = event.node.req.socket.remoteAddress
    const forwarded = getRequestHeader(event, 'x-forwarded-for')
    if (forwarded !== undefined && peer !== undefined && !warnedUntrustedProxy && !proxies.trusts(normalizeAddress(peer) ?? '')) {
      warnedUntrustedProxy = true
      deps.logger.warn(`requests arrive with X-Forwarded-For from ${peer}, which NUXT_TRUSTED_PROXIES does not list: the header is ignored and per-client limits count that peer as one client`)
    }
    return proxies.clientAddress(peer, forwarded)
  }
  return {
    config,
    sessions: config.authEnabled ? new ViewerSessions(config.viewerToken, config.sessionPassword, config.sessionMaxAgeSeconds) : null,
    tickets,
    streamSlots: new ConnectionLimiter(config.sseMaxConnections, config.sseMaxConnectionsPerIp),
    streamOpens: perMinute(config.sseOpensPerMinute),
    historyReads: perMinute(config.historyReadsPerMinute),
    ticketIssues: perMinute(config.sseTicketsPerMinute),
    ingestRate: new RateLimiter({ ratePerSecond: config.ingestRatePerSecond, burst: config.ingestRateBurst }),
    ingestSlots: new ConnectionLimiter(Number.POSITIVE_INFINITY, config.ingestMaxConcurrentPerIp),
    failures: new FailureBudgets(config.authFailuresPerMinute),
    proxies,
    clientAddress,
    isHttps: event => proxies.isHttps(
      event.node.req.socket.remoteAddress,
      Boolean((event.node.req.socket as { encrypted?: boolean }).encrypted),
      getRequestHeader(event, 'x-forwarded-proto'),
    ),
    close: () => tickets.close(),
  }
}

let current: Security | null = null

export function setSecurity(security: Security | null): void {
  current = security
}

export function useSecurity(): Security {
  if (!current) throw new Error('Pulseboard security is not started (server/plugins/05.security.ts)')
  return current
}
