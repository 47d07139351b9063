import type { MetricInput } from '../../../shared/events'
import type { Pulse } from '../pulse'
import { createSystemSampler } from './system-sampler'
import { createAlertEvaluator } from './alert-rules'
import { createLogger } from '../logger'

const log = createLogger('metrics')

/**
 * Collects this instance's metrics (host or container CPU and memory, real
 * requests/s and 5xx rate, open streams) and publishes them with any alert
 * transitions they cause. Called every second by the `metrics:publish` task.
 */
export function createMetricsSource(pulse: Pulse) {
  const sampler = createSystemSampler()
  const { config } = pulse
  const evaluate = createAlertEvaluator({
    cpuPercent: config.alertCpuPercent,
    memoryPercent: config.alertMemoryPercent,
    errorRatePercent: config.alertErrorRatePercent,
    clearRatio: config.alertClearRatio,
    forSamples: config.alertForSamples,
  })

  const onError = (error: Error) => log.warn(`metrics not published: ${error.message}`)

  return function publishMetrics(): MetricInput {
    const system = sampler.sample()
    const traffic = pulse.requestStats.take()
    const metric = {
      source: config.instanceId,
      cpu: system.cpu,
      memory: system.memory,
      rps: traffic.rps,
      activeConnections: pulse.hub.size,
      errorRate: traffic.errorRate,
      timestamp: new Date().toISOString(),
    }
    // Not awaited: while Redis is away these wait in the broker's ordered
    // outbox, and the next sample must still be taken on time.
    pulse.publisher.publish('metrics', metric).catch(onError)
    for (const alert of evaluate({ ...metric, requests: traffic.requests })) pulse.publisher.publish('alerts', alert).catch(onError)
    return metric
  }
}
