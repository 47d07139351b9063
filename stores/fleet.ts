import { defineStore } from 'pinia'
import { computed, shallowRef, toRaw, watch } from 'vue'
import type { SourceStatus } from '../utils/source-status'
import { countStates, fleetStatus } from '../utils/source-status'
import { useDashboardStore } from './dashboard'

/**
 * The fleet as the page shows it: every source's status from its latest
 * sample, worst first. Derived from the dashboard store, once per refresh for
 * every component (tiles, cards, charts, feeds), not once per reader or per event.
 */
export const useFleetStore = defineStore('fleet', () => {
  const dashboard = useDashboardStore()
  /**
   * Bumped when the view should follow the store: each clock tick, and when
   * the store lets events through (at most once a second, VIEW_REFRESH_MS).
   * Re-sorting and re-rendering tiles, cards and charts per sample would keep
   * the tab busy with hundreds of sources.
   */
  const pulse = shallowRef(0)
  if (import.meta.client) watch([() => dashboard.lastEventAt, () => dashboard.now], () => pulse.value++)
  const statuses = computed<SourceStatus[]>(() => {
    void pulse.value
    // Untracked iteration: a sample arriving must not recompute the fleet by itself (the pulse does).
    const latest = [...toRaw(dashboard.metrics).values()].map(({ data, seenAt }) => ({ metric: data, seenAt }))
    return fleetStatus(latest, dashboard.now)
  })
  const counts = computed(() => countStates(statuses.value))
  const names = computed(() => statuses.value.map(status => status.source))
  return { statuses, counts, names }
})
