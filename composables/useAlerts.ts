import { computed } from 'vue'
import type { Alert } from '#shared/events'
import { useDashboardStore } from '../stores/dashboard'
import { countsBySource } from '../utils/top-n'

export const ALERT_LEVELS: readonly Alert['level'][] = ['info', 'warning', 'critical']
/** Sources named in the "most alerts from" line; the rest are counted. */
const BUSIEST_SHOWN = 3

/**
 * The alert feed (newest first) at or above `minLevel` for the sources in
 * view, how many each source raised, and the newest critical alert that
 * arrived while the page was open, for the aria-live region (alerts from a
 * snapshot are history, not news; focus and filters never silence it).
 */
export function useAlerts(minLevel: () => Alert['level'] = () => 'info') {
  const store = useDashboardStore()
  const { inView } = useFleet()
  const atLevel = computed(() => {
    const threshold = ALERT_LEVELS.indexOf(minLevel())
    return store.alerts.filter(alert => ALERT_LEVELS.indexOf(alert.data.level) >= threshold)
  })
  const alerts = computed(() => atLevel.value.filter(alert => inView.value(alert.data.source)))
  const bySource = computed(() => countsBySource(atLevel.value.map(alert => alert.data.source), BUSIEST_SHOWN))
  const latestCritical = computed(() => store.alerts.find(alert => alert.live && alert.data.level === 'critical') ?? null)
  return { alerts, bySource, latestCritical }
}
