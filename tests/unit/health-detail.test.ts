import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { collectHealth } from '../../server/core/sources/health-source'
import type { Pulse } from '../../server/core/pulse'
import { freePort } from '../helpers/ports'

/** The health check as the dashboard shows it, with a real client whose Redis is not there. */
describe('broker health detail', () => {
  it('is a sentence an operator understands, not the client library\'s internal state', async () => {
    const client = new Redis({ port: await freePort(), host: '127.0.0.1', lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
    client.on('error', () => {})
    const internal = await client.ping().then(() => '', (error: Error) => error.message)
    expect(internal).not.toBe('')
    const pulse = {
      config: { instanceId: 'i-1' },
      broker: { kind: 'redis', ping: () => client.ping() },
      eventLoopDelay: monitorEventLoopDelay(),
    } as unknown as Pulse
    const [broker] = await collectHealth(pulse)
    client.disconnect()
    expect(broker).toMatchObject({ check: 'broker:redis', status: 'down', detail: 'Redis cannot be reached; this instance keeps reconnecting and events wait in its outbox' })
    expect(broker!.detail).not.toContain(internal)
  })
})
