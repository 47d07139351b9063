import { computed } from 'vue'
import type { LogLine } from '#shared/events'
import { useDashboardStore } from '../stores/dashboard'

export const LOG_LEVELS: readonly LogLine['level'][] = ['debug', 'info', 'warn', 'error']

/** Log lines at or above `minLevel`, newest first. */
export function useLogs(minLevel: () => LogLine['level']) {
  const store = useDashboardStore()
  const lines = computed(() => {
    const threshold = LOG_LEVELS.indexOf(minLevel())
    return store.logs.filter(line => LOG_LEVELS.indexOf(line.data.level) >= threshold)
  })
  return { lines }
}
