import { usePulse } from '../core/pulse'
import { usePrometheusExporter } from '../core/prometheus'
import { clientError } from '../core/http'
import { requireBearer } from '../core/auth/secret-guard'

/**
 * Prometheus scrape target, one per instance (scrape instances directly, not
 * through the load balancer). Disabled unless NUXT_METRICS_TOKEN is set; then
 * it needs `Authorization: Bearer <token>`, and wrong tokens count against
 * the address's failure budget (429 once spent).
 */
export default defineEventHandler(async (event) => {
  const exporter = usePrometheusExporter()
  if (!exporter) throw clientError(event, 404, 'metrics are disabled: set NUXT_METRICS_TOKEN to enable them')
  requireBearer(event, 'metrics', usePulse().config.metricsToken, 'metrics token')
  setResponseHeaders(event, { 'Content-Type': exporter.contentType, 'Cache-Control': 'no-store' })
  return await exporter.render()
})
