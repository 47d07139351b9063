import { usePulse } from '../core/pulse'
import { createPrometheusExporter, setPrometheusExporter } from '../core/prometheus'

/** `/metrics` exists only when NUXT_METRICS_TOKEN is set: disabled by default. */
export default defineNitroPlugin((nitroApp) => {
  const pulse = usePulse()
  if (!pulse.config.metricsToken) return
  const exporter = createPrometheusExporter(pulse)
  setPrometheusExporter(exporter)
  nitroApp.hooks.hook('close', () => {
    exporter.close()
    setPrometheusExporter(null)
  })
})
