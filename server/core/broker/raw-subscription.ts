import type { Logger } from '../logger'
import type { RedisConnection } from './redis-connection'

/** Pause before a refused `SUBSCRIBE` is tried again (an ACL being fixed, a node loading). */
const RETRY_MS = 2000

/**
 * The subscription to the raw `PUBLISH` channels, and whether it holds now.
 *
 * Raw messages are live only: while the subscription is not in place they
 * are lost, not delayed. So an instance counts as ready only once Redis has
 * confirmed its `SUBSCRIBE` on the current connection (a load balancer then
 * sends it no viewers before collectors' samples reach it). The channels are
 * subscribed again on every `ready`: the client library resubscribes by
 * itself too, but does not say when that is confirmed, and a second
 * `SUBSCRIBE` to the same channels changes nothing. A refused one (an ACL
 * without these channels) is logged and retried until it is accepted.
 */
export class RawSubscription {
  private confirmed = false
  private retry: ReturnType<typeof setTimeout> | undefined
  private stopped = false

  constructor(
    private readonly connection: RedisConnection,
    private readonly channels: string[],
    private readonly logger: Logger,
  ) {}

  get active(): boolean {
    return this.confirmed
  }

  start(): void {
    this.connection.on('ready', () => this.subscribe())
    this.connection.on('close', () => (this.confirmed = false))
    this.connection.on('end', () => (this.confirmed = false))
    this.connection.connect().catch(() => {})
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.retry)
  }

  private subscribe(): void {
    clearTimeout(this.retry)
    this.connection.subscribe(...this.channels).then(
      () => (this.confirmed = true),
      (error) => {
        if (this.stopped) return
        this.logger.warn(`subscribing to raw channels failed (collectors' raw PUBLISH cannot reach this instance; not ready): ${(error as Error).message}`)
        this.retry = setTimeout(() => {
          if (this.connection.status === 'ready') this.subscribe()
        }, RETRY_MS)
        this.retry.unref()
      },
    )
  }
}
