import { usePulse } from '../core/pulse'
import { usePrometheusExporter } from '../core/prometheus'
import { clientError } from '../core/http'
import { bearerMatches } from '../core/bearer'

/**
 * Prometheus scrape target, one per instance (scrape instances directly, not
 * through the load balancer). Disabled unless NUXT_METRICS_TOKEN is set; then
 * it needs `Authorization: Bearer <token>`.
 */
export default defineEventHandler(async (event) => {
  const exporter = usePrometheusExporter()
  if (!exporter) throw clientError(event, 404, 'metrics are disabled: set NUXT_METRICS_TOKEN to enable them')
  if (!bearerMatches(getRequestHeader(event, 'authorization'), usePulse().config.metricsToken)) {
    setResponseHeader(event, 'WWW-Authenticate', 'Bearer')
    throw clientError(event, 401, 'missing or wrong metrics token')
  }
  setResponseHeaders(event, { 'Content-Type': exporter.contentType, 'Cache-Control': 'no-store' })
  return await exporter.render()
})
