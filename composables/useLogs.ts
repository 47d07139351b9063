import { computed } from 'vue'
import type { LogLine } from '#shared/events'
import { useDashboardStore } from '../stores/dashboard'
import { countsBySource } from '../utils/top-n'

export const LOG_LEVELS: readonly LogLine['level'][] = ['debug', 'info', 'warn', 'error']
const BUSIEST_SHOWN = 3

/** Log lines at or above `minLevel` from the sources in view, newest first, and how many each source wrote. */
export function useLogs(minLevel: () => LogLine['level']) {
  const store = useDashboardStore()
  const { inView } = useFleet()
  const atLevel = computed(() => {
    const threshold = LOG_LEVELS.indexOf(minLevel())
    return store.logs.filter(line => LOG_LEVELS.indexOf(line.data.level) >= threshold)
  })
  const lines = computed(() => atLevel.value.filter(line => inView.value(line.data.source)))
  const bySource = computed(() => countsBySource(atLevel.value.map(line => line.data.source), BUSIEST_SHOWN))
  return { lines, bySource }
}
