// Replicated Redis for the `ha` scenario, without containers: a primary with
// one replica (what WAIT waits for), and a Redis Cluster of three primaries
// with one replica each. Same shapes as tests/helpers/redis-topology-*.ts.
import { execFile, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { freePort } from './ports.mjs'
import { waitFor } from './wait.mjs'

const run = promisify(execFile)

async function startNodes(count, extraArgs) {
  const dir = mkdtempSync(join(tmpdir(), 'pulseboard-bench-ha-'))
  const nodes = []
  for (let i = 0; i < count; i++) {
    const port = await freePort()
    const own = join(dir, String(port))
    mkdirSync(own)
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', own, '--save', '', '--appendonly', 'no', '--maxclients', '1000', ...extraArgs(port, i)], { stdio: 'ignore' })
    nodes.push({ port, proc, address: `127.0.0.1:${port}` })
  }
  const stop = async () => {
    await Promise.all(nodes.map(({ proc }) => proc.exitCode === null && new Promise((resolve) => {
      proc.once('exit', resolve)
      proc.kill('SIGKILL')
    })))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (const node of nodes) await ask(node, 'PING')
  }
  catch (error) {
    await stop()
    throw error
  }
  return { nodes, stop }
}

/** One command to one node, retried until it answers (start-up). */
async function ask(node, ...command) {
  return waitFor(async () => {
    const client = new Redis({ port: node.port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    client.on('error', () => {})
    try {
      await client.connect()
      return await client.call(...command) ?? 'nil'
    }
    finally {
      client.disconnect()
    }
  }, { timeout: 10_000, what: `${command[0]} on ${node.address}` })
}

/** A primary and one attached replica. */
export async function startReplicated() {
  const { nodes, stop } = await startNodes(2, () => [])
  await ask(nodes[1], 'REPLICAOF', '127.0.0.1', String(nodes[0].port))
  await waitFor(async () => (await ask(nodes[0], 'INFO', 'replication')).includes('connected_slaves:1'), { what: 'replica attached' })
  return { url: `redis://${nodes[0].address}`, stop }
}

/** Three primaries, three replicas; throws when this machine cannot run a cluster (the scenario is then skipped). */
export async function startCluster() {
  const { nodes, stop } = await startNodes(6, () => ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'])
  try {
    await run('redis-cli', ['--cluster', 'create', ...nodes.map(n => n.address), '--cluster-replicas', '1', '--cluster-yes'])
    await waitFor(async () => {
      for (const node of nodes) if (!(await ask(node, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false
      return true
    }, { what: 'cluster_state:ok' })
  }
  catch (error) {
    await stop()
    throw error
  }
  return { nodeList: nodes.map(n => n.address).join(','), nodes: nodes.map(n => ({ host: '127.0.0.1', port: n.port })), stop }
}
