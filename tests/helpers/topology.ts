import type { AppServer } from './app-server'
import { startApp } from './app-server'
import { freePort } from './ports'
import type { RedisServer } from './redis'
import { startRedis } from './redis'
import type { Nginx } from './nginx'
import { startNginx } from './nginx'
import { waitFor } from './wait'

export const PUBLISH_TOKEN = 'publisher-token-for-production-tests'
export const METRICS_TOKEN = 'metrics-token-for-production-tests'

export interface Instance {
  id: string
  port: number
  env: Record<string, string>
  app: AppServer | null
}

export interface Topology {
  redis: RedisServer
  instances: Instance[]
  nginx: Nginx
  /** Open streams per instance, read from each instance directly. */
  connections(): Promise<Record<string, number>>
  /** Starts an instance again on its port and waits until nginx sends it requests. */
  restart(instance: Instance): Promise<void>
  /** Restarts every instance that is not running (after a fault, or a failed test). */
  restartStopped(): Promise<void>
  /** Every durable id in the log on these channels, oldest first. */
  logIds(channels: string[]): Promise<string[]>
  stop(): Promise<void>
}

export interface TopologyOptions {
  /** Extra environment per instance index. */
  env?: (index: number) => Record<string, string>
  appendOnly?: boolean
}

/**
 * What docker-compose.yml runs, without containers: one Redis, two built
 * instances on the same NUXT_REDIS_URL with distinct NUXT_INSTANCE_IDs, and
 * real nginx with the shipped configuration in front of them.
 */
export async function startTopology({ env = () => ({}), appendOnly = true }: TopologyOptions = {}): Promise<Topology> {
  const redis = await startRedis({ appendOnly })
  const instances: Instance[] = []
  for (const [index, id] of ['app-a', 'app-b'].entries()) {
    instances.push({
      id,
      port: await freePort(),
      env: {
        NUXT_INSTANCE_ID: id,
        NUXT_REDIS_URL: redis.url,
        NUXT_PUBLISH_TOKEN: PUBLISH_TOKEN,
        // nginx connects from loopback: believe its X-Forwarded-For, as compose does.
        NUXT_TRUSTED_PROXIES: '127.0.0.1',
        NUXT_SSE_HEARTBEAT_MS: '2000',
        NITRO_SHUTDOWN_TIMEOUT: '5000',
        ...env(index),
      },
      app: null,
    })
  }
  const running = (app: AppServer | null): app is AppServer => app !== null && app.proc.exitCode === null && app.proc.signalCode === null
  const launch = async (instance: Instance) => {
    instance.app = await startApp({ port: instance.port, env: instance.env })
    await waitFor(async () => (await fetch(`${instance.app!.url}/health/sse`)).ok, { what: `${instance.id} connected to Redis` })
  }
  await Promise.all(instances.map(launch))
  const nginx = await startNginx(instances.map(i => `127.0.0.1:${i.port}`))
  const log = redis.client()

  const restart = async (instance: Instance) => {
    await launch(instance)
    // nginx keeps a failed server out for fail_timeout; wait until it routes here again.
    await waitFor(async () => {
      const stats = await (await fetch(`${nginx.httpUrl}/api/sse/stats`)).json() as { instance: string }
      return stats.instance === instance.id
    }, { what: `nginx routing to ${instance.id} again`, timeout: 20_000 })
  }

  return {
    redis,
    instances,
    nginx,
    async connections() {
      const counts: Record<string, number> = {}
      for (const instance of instances) {
        if (!running(instance.app)) {
          counts[instance.id] = 0
          continue
        }
        const stats = await (await fetch(`${instance.app.url}/api/sse/stats`)).json() as { connectedClients: number }
        counts[instance.id] = stats.connectedClients
      }
      return counts
    },
    restart,
    async restartStopped() {
      for (const instance of instances) {
        if (!running(instance.app)) await restart(instance)
      }
    },
    async logIds(channels) {
      const entries = await log.xrange('dashboard:log', '-', '+') as Array<[string, string[]]>
      return entries.filter(([, fields]) => channels.includes(fields[fields.indexOf('c') + 1]!)).map(([id]) => id)
    },
    async stop() {
      await nginx?.stop()
      await Promise.all(instances.map(i => i.app?.stop('SIGKILL')))
      await redis.stop()
    },
  }
}
