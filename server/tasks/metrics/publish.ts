import { usePulse } from '../../core/pulse'
import { createMetricsSource } from '../../core/sources/metrics-source'

let publishMetrics: ReturnType<typeof createMetricsSource> | null = null

export default defineTask({
  meta: { name: 'metrics:publish', description: 'Publish this instance\'s metrics (scheduled every second)' },
  run() {
    publishMetrics ??= createMetricsSource(usePulse())
    return { result: publishMetrics() }
  },
})
