import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppServer } from '../helpers/app-server'
import { startApp } from '../helpers/app-server'
import type { ClusterTopology } from '../helpers/redis-topology-cluster'
import { startClusterTopology } from '../helpers/redis-topology-cluster'
import { expectExactlyOnce, startIdempotentCollector } from '../helpers/failover-drill'
import { SseStream } from '../helpers/sse-client'
import { waitFor } from '../helpers/wait'

const TOKEN = 'publisher-token-for-cluster-tests'
const LOG_KEY = '{dashboard}:log'

const healthStatus = async (app: AppServer) => (await fetch(`${app.url}/health/sse`)).status

describe('Cluster: the primary that owns the dashboard\'s slot is killed, two instances, WAIT 1', () => {
  let topology: ClusterTopology
  const apps: AppServer[] = []
  beforeAll(async () => {
    topology = await startClusterTopology()
    for (const id of ['cluster-a', 'cluster-b']) {
      apps.push(await startApp({
        env: {
          NUXT_INSTANCE_ID: id,
          NUXT_REDIS_CLUSTER_NODES: topology.nodeList,
          NUXT_REDIS_WAIT_REPLICAS: '1',
          NUXT_PUBLISH_TOKEN: TOKEN,
          NUXT_SSE_HEARTBEAT_MS: '1000',
        },
      }))
    }
    await waitFor(async () => (await Promise.all(apps.map(healthStatus))).every(status => status === 200), { what: 'both instances ready on the cluster' })
  })
  afterAll(async () => {
    await Promise.all(apps.map(app => app.stop()))
    await topology?.stop()
  })

  it('keeps its keys in one slot, and after the failover every acknowledged event reaches a client on each instance exactly once', async () => {
    const streams = await Promise.all(apps.map(app => SseStream.open(`${app.url}/api/sse/dashboard?channels=alerts`)))
    const collector = startIdempotentCollector(apps.map(app => app.url), TOKEN)
    await waitFor(() => collector.acknowledged.length >= 10, { what: 'ten events before the fault' })

    // The log lives under the dashboard's hash tag, on the node that owns its slot.
    const owner = await topology.ownerOf(LOG_KEY)
    const probe = owner.connect()
    await probe.connect()
    expect(await probe.xlen(LOG_KEY)).toBeGreaterThanOrEqual(10)
    probe.disconnect()
    // A raw collector's classic PUBLISH, sent to any one node, reaches both instances live.
    const other = topology.nodes.find(node => node !== owner && node.running())!
    const raw = other.connect()
    await raw.connect()
    await raw.publish('dashboard:alerts', JSON.stringify({ level: 'info', message: 'raw publish on a cluster' }))
    raw.disconnect()
    for (const stream of streams) await stream.waitFor(events => events.some(e => e.id === undefined && e.data.includes('raw publish on a cluster')), 'the raw PUBLISH on each instance')

    const killedAt = Date.now()
    const acknowledgedAtKill = collector.acknowledged.length
    await owner.kill()
    await topology.waitForNewOwner(LOG_KEY, owner)
    await waitFor(async () => (await Promise.all(apps.map(healthStatus))).every(status => status === 200), { what: 'both instances healthy again', timeout: 20_000, interval: 100 })
    const recoveredAt = Date.now()
    // The promoted replica was the shard's only one: until a replica is back,
    // WAIT 1 cannot be met and ingest answers 503. The old primary restarts
    // (as an orchestrator would restart it) and rejoins as the new replica.
    const acknowledgedBeforeRestart = collector.acknowledged.length
    await owner.start()
    const replicaBackAt = Date.now()
    await waitFor(() => collector.acknowledged.length >= acknowledgedBeforeRestart + 10, { what: 'ten events after the failover', timeout: 20_000 })
    await collector.stop()

    const last = collector.acknowledged.at(-1)!.id
    const resets: number[] = []
    for (const stream of streams) {
      await stream.waitFor(events => events.some(e => e.id === last), 'the last acknowledged event on each instance', 20_000)
      resets.push(expectExactlyOnce(stream, collector.acknowledged).resets)
      expect(stream.ended).toBe(false)
      stream.close()
    }
    console.info(`cluster failover with WAIT 1: kill to both instances healthy ${recoveredAt - killedAt} ms, kill to old primary restarted ${replicaBackAt - killedAt} ms, `
      + `acknowledged between the kill and the restart ${acknowledgedBeforeRestart - acknowledgedAtKill}, `
      + `longest wait for an acknowledgement ${collector.longestWaitMs()} ms, ${collector.acknowledged.length} events acknowledged, `
      + `${collector.refused.length} attempts refused, resets per client ${resets.join('/')}`)
  })
})
