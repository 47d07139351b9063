import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrokerUnavailableError } from '../../server/core/broker/errors'
import type { RedisConnection } from '../../server/core/broker/redis-connection'
import { createRedisConnection } from '../../server/core/broker/redis-connection'
import type { Durability } from '../../server/core/broker/redis-durable'
import { fcallDurably, loadFunctionEverywhere, ReplicaConfirmation } from '../../server/core/broker/redis-durable'
import { freePort } from '../helpers/ports'
import type { RedisProcess } from '../helpers/redis-process'
import { redisProcess, replicationInfo } from '../helpers/redis-process'
import type { ClusterTopology } from '../helpers/redis-topology-cluster'
import { startClusterTopology } from '../helpers/redis-topology-cluster'
import { waitFor } from '../helpers/wait'

const LIBRARY = `#!lua name=durabletest
redis.register_function('durabletest_add', function(keys, args) return redis.call('XADD', keys[1], '*', 'd', args[1]) end)
`

describe('WAIT right behind the append', () => {
  let dir: string
  let primary: RedisProcess
  let replica: RedisProcess
  let redis: RedisConnection
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulseboard-durable-'))
    const [p, r] = [await freePort(), await freePort()]
    primary = redisProcess(p, ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--dbfilename', 'p.rdb'])
    replica = redisProcess(r, ['--port', String(r), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--dbfilename', 'r.rdb', '--replicaof', '127.0.0.1', String(p)])
    await primary.start()
    await replica.start()
    await waitFor(async () => (await replicationInfo(replica)).master_link_status === 'up', { what: 'replica in sync' })
    redis = createRedisConnection({ kind: 'single', url: `redis://127.0.0.1:${p}` }, { role: 'test' })
    redis.on('error', () => {})
    await redis.connect()
    await loadFunctionEverywhere(redis, LIBRARY)
  })
  afterAll(async () => {
    redis?.disconnect()
    await replica?.kill()
    await primary?.kill()
    rmSync(dir, { recursive: true, force: true })
  })

  it('acknowledges once the replica has the event', async () => {
    const durability = { replicas: 1, timeoutMs: 500 }
    const id = await fcallDurably(redis, ['durabletest_add', 1, 'log', 'x'], new ReplicaConfirmation(redis, 'log', durability), durability)
    expect(id).toMatch(/^\d+-\d+$/)
  })

  it('refuses, as a retryable outcome-unknown failure, when the replica does not confirm in time', async () => {
    replica.pause()
    try {
      const durability: Durability = { replicas: 1, timeoutMs: 300 }
      const confirmation = new ReplicaConfirmation(redis, 'log', durability)
      const started = Date.now()
      // Twenty appends at once share one WAIT: refused after one timeout, not twenty.
      const errors = await Promise.all(Array.from({ length: 20 }, (_, i) => fcallDurably(redis, ['durabletest_add', 1, 'log', `y${i}`], confirmation, durability).catch(e => e)))
      for (const error of errors) {
        expect(error).toBeInstanceOf(BrokerUnavailableError)
        expect((error as BrokerUnavailableError).outcomeUnknown).toBe(true)
      }
      expect(Date.now() - started).toBeGreaterThanOrEqual(250)
      expect(Date.now() - started).toBeLessThan(2000)
      // The events are in the primary's log all the same: only a retry with its key is safe.
      expect(await redis.xlen('log')).toBe(21)
    }
    finally {
      replica.resume()
    }
  })
})

describe('a Functions library and WAIT on a Cluster', () => {
  let topology: ClusterTopology
  let redis: RedisConnection
  beforeAll(async () => {
    topology = await startClusterTopology()
    redis = createRedisConnection({ kind: 'cluster', nodes: topology.nodes.map(n => ({ host: '127.0.0.1', port: n.port })) }, { role: 'test' })
    redis.on('error', () => {})
    await redis.connect()
  })
  afterAll(async () => {
    redis?.disconnect()
    await topology?.stop()
  })

  it('loads the library on every primary, so a log in any slot can be appended to and replicated', async () => {
    await loadFunctionEverywhere(redis, LIBRARY)
    const owners = new Set<number>()
    for (const prefix of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const key = `{${prefix}}:log`
      owners.add((await topology.ownerOf(key)).port)
      const durability = { replicas: 1, timeoutMs: 1000 }
      expect(await fcallDurably(redis, ['durabletest_add', 1, key, prefix], new ReplicaConfirmation(redis, key, durability), durability)).toMatch(/^\d+-\d+$/)
    }
    // The six tags above fall on more than one shard: the call was not just lucky.
    expect(owners.size).toBeGreaterThan(1)
  })
})
