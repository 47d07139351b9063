import { defineStore } from 'pinia'
import { computed } from 'vue'
import type { SourceStatus } from '../utils/source-status'
import { countStates, fleetStatus } from '../utils/source-status'
import { useDashboardStore } from './dashboard'

/**
 * The fleet as the page shows it: every source's status from its latest
 * sample, worst first. Derived from the dashboard store and computed once per
 * change for every component (tiles, cards, charts, feeds), not once per reader.
 */
export const useFleetStore = defineStore('fleet', () => {
  const dashboard = useDashboardStore()
  const statuses = computed<SourceStatus[]>(() => {
    const latest = [...dashboard.metrics.values()].map(({ data, seenAt }) => ({ metric: data, seenAt }))
    return fleetStatus(latest, dashboard.now)
  })
  const counts = computed(() => countStates(statuses.value))
  const names = computed(() => statuses.value.map(status => status.source))
  return { statuses, counts, names }
})
