import { describe, expect, it } from 'vitest'
import { parseHostList, readRedisTarget } from '../../server/core/broker/redis-connection'

const settings = { redisUrl: '', redisSentinels: '', redisSentinelName: '', redisSentinelPassword: '', redisClusterNodes: '' }

describe('reading where Redis is', () => {
  it('no Redis at all: the embedded broker', () => {
    expect(readRedisTarget(settings)).toBeNull()
  })

  it('one Redis from NUXT_REDIS_URL', () => {
    expect(readRedisTarget({ ...settings, redisUrl: 'redis://r:6379' })).toEqual({ kind: 'single', url: 'redis://r:6379' })
  })

  it('Sentinel: the list, the default name, and data-node credentials from the URL', () => {
    expect(readRedisTarget({ ...settings, redisUrl: 'redis://app:s%40cret@ignored', redisSentinels: 's1:26379, s2:26380', redisSentinelPassword: 'sp' })).toEqual({
      kind: 'sentinel',
      sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }],
      name: 'mymaster',
      sentinelPassword: 'sp',
      username: 'app',
      password: 's@cret',
    })
  })

  it('Cluster nodes, IPv6 in brackets', () => {
    expect(readRedisTarget({ ...settings, redisClusterNodes: '[::1]:7000,10.0.0.2:7001' })).toEqual({
      kind: 'cluster',
      nodes: [{ host: '::1', port: 7000 }, { host: '10.0.0.2', port: 7001 }],
    })
  })

  it('refuses both shapes at once and malformed lists, naming the setting', () => {
    expect(() => readRedisTarget({ ...settings, redisSentinels: 'a:1', redisClusterNodes: 'b:2' })).toThrow(/not both/)
    expect(() => parseHostList('host-without-port', 'NUXT_REDIS_SENTINELS')).toThrow(/NUXT_REDIS_SENTINELS/)
    expect(() => parseHostList('h:70000', 'NUXT_REDIS_CLUSTER_NODES')).toThrow(/NUXT_REDIS_CLUSTER_NODES/)
    expect(() => parseHostList(' , ', 'NUXT_REDIS_CLUSTER_NODES')).toThrow(/no host:port/)
  })
})
