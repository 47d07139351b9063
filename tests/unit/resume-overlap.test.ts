import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { Channel } from '../../shared/events'
import type { Broker, BrokerMessage } from '../../server/core/broker/types'
import { MemoryBroker } from '../../server/core/broker/memory-broker'
import { Hub } from '../../server/core/hub'
import { createCounters } from '../../server/core/counters'
import { createLogger } from '../../server/core/logger'
import { parseFilter } from '../../server/core/sse/filter'
import { SseStream } from '../helpers/sse-client'

/**
 * The real in-memory log, with a live feed that lags behind it until
 * `release()`, as an instance's Redis Pub/Sub can lag behind the stream that
 * a replay reads.
 */
class LaggingFeed implements Broker {
  readonly kind = 'memory' as const
  private readonly log = new MemoryBroker({ maxAgeMs: 60_000, maxEvents: 1000 })
  private readonly pending: BrokerMessage[] = []
  private handler: (message: BrokerMessage) => void = () => {}
  constructor() {
    this.log.onMessage(message => this.pending.push(message))
  }

  release(): void {
    for (const message of this.pending.splice(0)) this.handler(message)
  }

  onMessage(handler: (message: BrokerMessage) => void): void {
    this.handler = handler
  }

  state = () => this.log.state()
  start = () => this.log.start()
  publish = (channel: Channel, json: string) => this.log.publish(channel, json)
  publishLive = (channel: Channel, json: string) => this.log.publishLive(channel, json)
  replay = (afterId: string, limit: number) => this.log.replay(afterId, limit)
  range = (fromId: string, toId: string, limit: number) => this.log.range(fromId, toId, limit)
  lastId = () => this.log.lastId()
  ping = () => this.log.ping()
  stats = () => this.log.stats()
  close = () => this.log.close()
}

describe('resume when the log is ahead of the live feed', () => {
  const cleanup: Array<() => unknown> = []
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step()
  })

  async function serve(hub: Hub): Promise<string> {
    const filter = parseFilter('alerts', undefined)
    if (!filter.ok) throw new Error(filter.error)
    const server: Server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      void hub.attach(res, filter.filter, (req.headers['last-event-id'] as string | undefined) ?? null)
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    cleanup.push(() => server.closeAllConnections(), () => new Promise(resolve => server.close(resolve)))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  }

  it('sends an event the replay already sent only once, when it arrives live afterwards', async () => {
    const feed = new LaggingFeed()
    const hub = new Hub(feed, { heartbeatMs: 60_000, retryMs: 1000, maxQueueBytes: 1 << 20 }, createCounters(), createLogger('test'))
    const url = await serve(hub)
    const alert = (message: string) => feed.publish('alerts', JSON.stringify({ level: 'info', message }))

    const seen = await alert('seen before the reconnect')
    feed.release()
    // In the log, not yet announced live on this instance.
    const missed = [await alert('missed 1'), await alert('missed 2')]

    const stream = await SseStream.open(url, { headers: { 'last-event-id': seen } })
    cleanup.push(() => stream.close())
    await stream.waitFor(events => events.some(e => e.id === missed[1]), 'the replay')
    feed.release()
    const next = await alert('after the replay')
    feed.release()
    await stream.waitFor(events => events.some(e => e.id === next), 'the next live event')

    expect(stream.durable.map(e => e.id)).toEqual([...missed, next])
  })
})
