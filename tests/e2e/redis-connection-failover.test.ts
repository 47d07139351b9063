import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RedisConnection } from '../../server/core/broker/redis-connection'
import { createRedisConnection, readRedisTarget } from '../../server/core/broker/redis-connection'
import type { SentinelTopology } from '../helpers/redis-topology-sentinel'
import { startSentinelTopology } from '../helpers/redis-topology-sentinel'
import type { ClusterTopology } from '../helpers/redis-topology-cluster'
import { startClusterTopology } from '../helpers/redis-topology-cluster'
import { waitFor } from '../helpers/wait'

/** Writes until one succeeds; answers how long the writes failed. */
async function writeThroughOutage(redis: RedisConnection, key: string, timeout = 20_000): Promise<number> {
  const started = Date.now()
  await waitFor(async () => (await redis.set(key, 'after')) === 'OK', { what: `a write to ${key}`, timeout, interval: 50 })
  return Date.now() - started
}

describe('connections follow a Sentinel failover', () => {
  let topology: SentinelTopology
  let redis: RedisConnection
  beforeAll(async () => {
    topology = await startSentinelTopology()
    redis = createRedisConnection(readRedisTarget({ redisUrl: '', redisSentinels: topology.sentinelList, redisSentinelName: '', redisSentinelPassword: '', redisClusterNodes: '' })!, { role: 'test' })
    redis.on('error', () => {})
    await redis.connect()
  })
  afterAll(async () => {
    redis?.disconnect()
    await topology?.stop()
  })

  it('writes to the new primary after the old one is killed', async () => {
    const old = await topology.primary()
    expect(await redis.set('before', '1')).toBe('OK')
    await old.kill()
    const outage = await writeThroughOutage(redis, 'after')
    const primary = await topology.waitForNewPrimary(old)
    expect(primary).not.toBe(old)
    // The write before the kill survived on the new primary. The connection may be
    // reconnecting once more meanwhile (Sentinel reconfigures the replicas): a refused
    // read is tried again; a lost key (null) times out.
    expect(await waitFor(() => redis.get('before'), { what: 'the earlier write read back' })).toBe('1')
    console.info(`sentinel failover: writes failed for ${outage} ms`)
  })
})

describe('connections follow a Cluster failover', () => {
  let topology: ClusterTopology
  let redis: RedisConnection
  beforeAll(async () => {
    topology = await startClusterTopology()
    redis = createRedisConnection(readRedisTarget({ redisUrl: '', redisSentinels: '', redisSentinelName: '', redisSentinelPassword: '', redisClusterNodes: topology.nodeList })!, { role: 'test' })
    redis.on('error', () => {})
    await redis.connect()
  })
  afterAll(async () => {
    redis?.disconnect()
    await topology?.stop()
  })

  it('writes to the slot\'s new primary after its owner is killed', async () => {
    const key = '{dashboard}:probe'
    const old = await topology.ownerOf(key)
    expect(await redis.set(key, 'before')).toBe('OK')
    await old.kill()
    const outage = await writeThroughOutage(redis, key)
    expect(await topology.ownerOf(key)).not.toBe(old)
    console.info(`cluster failover: writes failed for ${outage} ms`)
  })
})
