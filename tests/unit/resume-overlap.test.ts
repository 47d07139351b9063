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
    this.log.setConsumer(message => this.pending.push(message))
  }

  release(): void {
    for (const message of this.pending.splice(0)) this.handler(message)
  }

  setConsumer(handler: (message: BrokerMessage) => void): void {
    this.handler = handler
  }

  state = () => this.log.state()
  start = () => this.log.start()
  publish = (channel: Channel, json: string) => this.log.publish(channel, json)
  publishBatch = (channel: Channel, jsons: string[]) => this.log.publishBatch(channel, jsons)
  publishLive = (channel: Channel, json: string) => this.log.publishLive(channel, json)
  replay = (afterId: string, limit: number, channels?: ReadonlySet<Channel>) => this.log.replay(afterId, limit, channels)
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
    // No recent events in memory: the resume reads the log.
    const hub = new Hub(feed, { heartbeatMs: 60_000, retryMs: 1000, maxQueueBytes: 1 << 20, recentEvents: 0 }, createCounters(), createLogger('test'))
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
  it('resumes a recent id from memory: what the log has ahead arrives live, once, in order', async () => {
    const feed = new LaggingFeed()
    let logReads = 0
    const replay = feed.replay
    feed.replay = (afterId, limit) => {
      logReads++
      return replay(afterId, limit)
    }
    const hub = new Hub(feed, { heartbeatMs: 60_000, retryMs: 1000, maxQueueBytes: 1 << 20 }, createCounters(), createLogger('test'))
    const url = await serve(hub)
    const alert = (message: string) => feed.publish('alerts', JSON.stringify({ level: 'info', message }))

    const seen = await alert('seen before the reconnect')
    const sentLive = [await alert('sent live 1'), await alert('sent live 2')]
    feed.release()
    const ahead = await alert('in the log, not yet live here')

    const stream = await SseStream.open(url, { headers: { 'last-event-id': seen } })
    cleanup.push(() => stream.close())
    await stream.waitFor(events => events.some(e => e.id === sentLive[1]), 'the recent events')
    feed.release()
    await stream.waitFor(events => events.some(e => e.id === ahead), 'the event the log had ahead')

    expect(stream.durable.map(e => e.id)).toEqual([...sentLive, ahead])
    expect(logReads).toBe(0)
  })
})
