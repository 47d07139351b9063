import type { Channel } from '../../../shared/events'
import type { Broker, BrokerMessage, BrokerState, BrokerStats, LogRetention, ReplayResult } from './types'
import { RetainedLog } from './retained-log'

/**
 * The embedded broker: one process, no Redis. It is the default so that
 * `npm run dev` needs nothing else; it has the same contract as the Redis
 * broker but cannot fan out across instances.
 */
export class MemoryBroker implements Broker {
  readonly kind = 'memory' as const
  private readonly log: RetainedLog
  private handler: (message: BrokerMessage) => void = () => {}
  private closed = false

  constructor(retention: LogRetention, now?: () => number) {
    this.log = new RetainedLog(retention, now)
  }

  state(): BrokerState {
    return this.closed ? 'down' : 'ready'
  }

  start(): void {}

  async publish(channel: Channel, json: string): Promise<string> {
    if (this.closed) throw new Error('broker closed')
    const entry = this.log.append(channel, json)
    this.deliver(entry)
    return entry.id
  }

  async publishLive(channel: Channel, json: string): Promise<void> {
    if (this.closed) throw new Error('broker closed')
    this.deliver({ channel, json })
  }

  onMessage(handler: (message: BrokerMessage) => void): void {
    this.handler = handler
  }

  async replay(afterId: string, limit: number): Promise<ReplayResult> {
    return this.log.replay(afterId, limit)
  }

  async range(fromId: string, toId: string, limit: number): Promise<BrokerMessage[]> {
    return this.log.range(fromId, toId, limit)
  }

  async lastId(): Promise<string> {
    return this.log.lastId()
  }

  async ping(): Promise<number> {
    return 0
  }

  stats(): BrokerStats {
    return { reconnects: 0, invalidDropped: 0 }
  }

  async close(): Promise<void> {
    this.closed = true
  }

  private deliver(message: BrokerMessage): void {
    this.handler(message)
  }
}
