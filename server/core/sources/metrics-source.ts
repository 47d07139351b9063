import { hostname } from 'node:os'
import type { MetricInput } from '../../../shared/events'
import type { Pulse } from '../pulse'
import { createSystemSampler } from './system-sampler'
import { createLogger } from '../logger'

const log = createLogger('metrics')

/**
 * Collects this instance's metrics (host or container CPU and memory, real
 * requests/s and 5xx rate, open streams) and publishes them. Called every
 * second by the `metrics:publish` task.
 */
export function createMetricsSource(pulse: Pulse) {
  const sampler = createSystemSampler()
  const { config } = pulse
  // In a container this is the container's name: what the CPU and memory figures describe.
  const host = hostname()

  const onError = (error: Error) => log.warn(`metrics not published: ${error.message}`)

  return function publishMetrics(): MetricInput {
    const system = sampler.sample()
    const traffic = pulse.requestStats.take()
    const metric = {
      source: config.instanceId,
      host,
      cpu: system.cpu,
      memory: system.memory,
      rps: traffic.rps,
      activeConnections: pulse.hub.size,
      errorRate: traffic.errorRate,
      timestamp: new Date().toISOString(),
    }
    // Not awaited: while Redis is away these wait in the broker's ordered
    // outbox, and the next sample must still be taken on time.
    // Alert rules see this sample when it comes back from the broker, like every other source's.
    pulse.publisher.publish('metrics', metric).catch(onError)
    return metric
  }
}
