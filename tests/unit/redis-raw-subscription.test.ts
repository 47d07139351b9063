import type { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { BrokerMessage } from '../../server/core/broker/types'
import { RedisBroker } from '../../server/core/broker/redis-broker'
import type { RedisServer } from '../helpers/redis'
import { startRedis } from '../helpers/redis'
import { waitFor } from '../helpers/wait'

let redis: RedisServer
let admin: Redis
beforeAll(async () => {
  redis = await startRedis()
  admin = redis.client()
})
afterAll(async () => {
  admin?.disconnect()
  await redis?.stop()
})

const metric = JSON.stringify({ source: 'collector-1', cpu: 12, memory: 30, rps: 4, activeConnections: 1, errorRate: 0, timestamp: '2026-12-01T10:00:00.000Z' })

// Raw PUBLISH is live only: an instance that is not subscribed loses collectors'
// samples, so it must not call itself ready (and take viewers) until Redis confirmed it.
it('is ready only once the raw channels are subscribed, and subscribes by itself once allowed', async () => {
  // A user that may use the log's channel but not the raw ones (as an ACL written too narrowly).
  await admin.call('ACL', 'SETUSER', 'collector-view', 'on', '>secret', '~*', 'resetchannels', '&raw-acl:log', '+@all')
  const url = redis.url.replace('redis://', 'redis://collector-view:secret@')
  const warnings: string[] = []
  const broker = new RedisBroker({
    target: { kind: 'single', url },
    prefix: 'raw-acl',
    retention: { maxAgeMs: 60_000, maxEvents: 1000 },
    limits: { eventMaxBytes: 4096, idempotencyTtlS: 600 },
    logger: { info() {}, warn: line => warnings.push(line), error() {} },
    commandTimeoutMs: 500,
    readerBlockMs: 250,
  })
  const received: BrokerMessage[] = []
  broker.setConsumer(message => received.push(message))
  broker.start()
  try {
    await waitFor(() => warnings.some(line => line.includes('subscribing to raw channels failed')), { what: 'the refused SUBSCRIBE logged' })
    // Everything else works (durable publishes are acknowledged), but raw samples would be lost.
    await broker.publish('metrics', metric)
    expect(broker.state()).toBe('connecting')

    await admin.call('ACL', 'SETUSER', 'collector-view', 'allchannels')
    await waitFor(() => broker.state() === 'ready', { what: 'ready once the retry is accepted' })
    await admin.publish('raw-acl:metrics', metric)
    await waitFor(() => received.some(message => message.id === undefined), { what: 'the raw sample delivered' })
    expect(received.filter(message => message.id === undefined)).toHaveLength(1)
  }
  finally {
    await broker.close()
  }
})
