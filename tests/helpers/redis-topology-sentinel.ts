import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './ports'
import type { RedisProcess } from './redis-process'
import { ask, redisProcess, replicationInfo } from './redis-process'
import { waitFor } from './wait'

export interface SentinelTopology {
  name: string
  /** Index 0 is the first primary; after a failover any of them may be. */
  servers: RedisProcess[]
  sentinels: RedisProcess[]
  /** `NUXT_REDIS_SENTINELS` for this topology. */
  sentinelList: string
  /** The server the sentinels currently name as primary. */
  primary(): Promise<RedisProcess>
  /** Waits until the sentinels name a primary other than `old` and it accepts writes. */
  waitForNewPrimary(old: RedisProcess, timeout?: number): Promise<RedisProcess>
  stop(): Promise<void>
}

export interface SentinelOptions {
  /** @default 1000 */
  downAfterMs?: number
}

const SERVER_ARGS = [
  '--bind', '127.0.0.1', '--save', '',
  // Append-only with fsync every second, as docker-compose.sentinel.yml runs it.
  '--appendonly', 'yes', '--appendfsync', 'everysec',
  // A replica (re)syncs at once instead of waiting for more replicas to batch with.
  '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0',
]

/**
 * Redis Sentinel on loopback, no containers: one primary, two replicas, three
 * sentinels (quorum 2). Returns once every sentinel sees both replicas and
 * the other two sentinels, so a failover can start as soon as a test kills
 * the primary.
 */
export async function startSentinelTopology({ downAfterMs = 1000 }: SentinelOptions = {}): Promise<SentinelTopology> {
  const name = 'mymaster'
  const dir = mkdtempSync(join(tmpdir(), 'pulseboard-sentinel-'))
  const ports = await Promise.all([0, 1, 2].map(() => freePort()))
  const servers = ports.map((port, index) => {
    const own = join(dir, `server-${port}`)
    mkdirSync(own)
    const args = ['--port', String(port), '--dir', own, ...SERVER_ARGS]
    return redisProcess(port, index === 0 ? args : [...args, '--replicaof', '127.0.0.1', String(ports[0])])
  })
  const sentinelPorts = await Promise.all([0, 1, 2].map(() => freePort()))
  const sentinels = sentinelPorts.map((port) => {
    const file = join(dir, `sentinel-${port}.conf`)
    writeFileSync(file, [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${ports[0]} 2`,
      `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 2`,
      '',
    ].join('\n'))
    return redisProcess(port, [file, '--sentinel'])
  })
  const stop = async () => {
    await Promise.all([...sentinels, ...servers].map(node => node.kill()))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await Promise.all(servers.map(server => server.start()))
    await waitFor(async () => Number((await replicationInfo(servers[0]!)).connected_slaves) === 2, { what: 'both replicas attached' })
    await Promise.all(sentinels.map(sentinel => sentinel.start()))
    await waitFor(async () => {
      for (const sentinel of sentinels) {
        const master = await ask<string[]>(sentinel, 'SENTINEL', 'MASTER', name)
        const field = (key: string) => Number(master[master.indexOf(key) + 1])
        if (field('num-slaves') < 2 || field('num-other-sentinels') < 2) return false
      }
      return true
    }, { what: 'sentinels seeing both replicas and each other', timeout: 15_000 })
  }
  catch (error) {
    await stop()
    throw error
  }

  const primaryPort = async () => {
    for (const sentinel of sentinels) {
      if (!sentinel.running()) continue
      try {
        const [, port] = await ask<[string, string]>(sentinel, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)
        return Number(port)
      }
      catch {
        // ask the next sentinel
      }
    }
    throw new Error('no sentinel answered')
  }
  const byPort = (port: number) => {
    const server = servers.find(s => s.port === port)
    if (!server) throw new Error(`sentinels name an unknown primary on ${port}`)
    return server
  }
  return {
    name,
    servers,
    sentinels,
    sentinelList: sentinels.map(s => s.address).join(','),
    primary: async () => byPort(await primaryPort()),
    async waitForNewPrimary(old, timeout = 20_000) {
      return waitFor(async () => {
        const port = await primaryPort()
        if (port === old.port) return null
        const candidate = byPort(port)
        return (await replicationInfo(candidate)).role === 'master' ? candidate : null
      }, { what: `a primary other than ${old.address}`, timeout, interval: 50 })
    },
    stop,
  }
}
