import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './ports'
import type { RedisProcess } from './redis-process'
import { ask, redisProcess } from './redis-process'
import { waitFor } from './wait'

const run = promisify(execFile)

export interface ClusterTopology {
  /** Three primaries and three replicas at start; roles change after failovers. */
  nodes: RedisProcess[]
  /** `NUXT_REDIS_CLUSTER_NODES` for this topology. */
  nodeList: string
  /** The node currently serving `key`'s slot as primary, as the running nodes see it. */
  ownerOf(key: string): Promise<RedisProcess>
  /** Waits until a node other than `old` serves `key`'s slot and the cluster is `ok` again. */
  waitForNewOwner(key: string, old: RedisProcess, timeout?: number): Promise<RedisProcess>
  /** Waits until every running node reports `cluster_state:ok`. */
  waitForOk(timeout?: number): Promise<void>
  stop(): Promise<void>
}

export interface ClusterOptions {
  /** @default 2000 */
  nodeTimeoutMs?: number
}

/**
 * Redis Cluster on loopback, no containers: three primaries with one replica
 * each, created by `redis-cli --cluster create`. Returns once every node
 * reports the cluster `ok`.
 */
export async function startClusterTopology({ nodeTimeoutMs = 2000 }: ClusterOptions = {}): Promise<ClusterTopology> {
  const dir = mkdtempSync(join(tmpdir(), 'pulseboard-cluster-'))
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()))
  const nodes = ports.map((port) => {
    const own = join(dir, String(port))
    mkdirSync(own)
    return redisProcess(port, [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', own, '--save', '',
      '--appendonly', 'yes', '--appendfsync', 'everysec',
      '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
      '--cluster-node-timeout', String(nodeTimeoutMs),
      // A replica may always take over, however long it was cut off: availability first.
      '--cluster-replica-validity-factor', '0',
      '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0',
    ])
  })
  const stop = async () => {
    await Promise.all(nodes.map(node => node.kill()))
    rmSync(dir, { recursive: true, force: true })
  }

  const running = () => nodes.filter(node => node.running())
  const waitForOk = async (timeout = 20_000) => {
    await waitFor(async () => {
      for (const node of running()) {
        const info = await ask<string>(node, 'CLUSTER', 'INFO')
        if (!info.includes('cluster_state:ok')) return false
      }
      return true
    }, { what: 'cluster_state:ok on every node', timeout, interval: 50 })
  }
  const ownerOf = async (key: string) => {
    const slot = await ask<number>(running()[0]!, 'CLUSTER', 'KEYSLOT', key)
    for (const node of running()) {
      try {
        const slots = await ask<Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>>(node, 'CLUSTER', 'SLOTS')
        const range = slots.find(([from, to]) => slot >= from && slot <= to)
        const owner = range && nodes.find(n => n.port === Number(range[2][1]))
        if (owner?.running()) return owner
      }
      catch {
        // ask the next node
      }
    }
    throw new Error(`no running node serves slot ${slot}`)
  }

  try {
    await Promise.all(nodes.map(node => node.start()))
    await run('redis-cli', ['--cluster', 'create', ...nodes.map(n => n.address), '--cluster-replicas', '1', '--cluster-yes'])
    await waitForOk()
    // Every replica has finished its first sync, so a failover finds the data.
    await waitFor(async () => {
      for (const node of nodes) {
        const info = await ask<string>(node, 'INFO', 'replication')
        if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false
      }
      return true
    }, { what: 'replicas in sync' })
  }
  catch (error) {
    await stop()
    throw error
  }

  return {
    nodes,
    nodeList: nodes.map(n => n.address).join(','),
    ownerOf,
    async waitForNewOwner(key, old, timeout = 20_000) {
      const owner = await waitFor(async () => {
        const candidate = await ownerOf(key)
        return candidate === old ? null : candidate
      }, { what: `a new owner for ${key}'s slot`, timeout, interval: 50 })
      await waitForOk(timeout)
      return owner
    },
    waitForOk,
    stop,
  }
}
