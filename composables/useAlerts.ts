import { computed } from 'vue'
import { useDashboardStore } from '../stores/dashboard'

/**
 * The alert feed (newest first) and the newest critical alert that arrived
 * while the page was open, for the aria-live region (alerts from a snapshot
 * are history, not news).
 */
export function useAlerts() {
  const store = useDashboardStore()
  const alerts = computed(() => store.alerts)
  const latestCritical = computed(() => store.alerts.find(alert => alert.live && alert.data.level === 'critical') ?? null)
  return { alerts, latestCritical }
}
