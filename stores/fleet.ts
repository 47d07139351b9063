import { defineStore } from 'pinia'
import { computed, shallowRef, toRaw, watch } from 'vue'
import { useThrottleFn } from '@vueuse/core'
import type { SourceStatus } from '../utils/source-status'
import { countStates, fleetStatus } from '../utils/source-status'
import { useDashboardStore } from './dashboard'

/**
 * How often the fleet view follows the stream. Hundreds of sources each send
 * a sample a second: re-sorting and re-rendering tiles, cards and charts on
 * every one of them would keep the tab busy; twice a second reads as live.
 */
export const FLEET_REFRESH_MS = 500

/**
 * The fleet as the page shows it: every source's status from its latest
 * sample, worst first. Derived from the dashboard store, once per refresh for
 * every component (tiles, cards, charts, feeds), not once per reader or per event.
 */
export const useFleetStore = defineStore('fleet', () => {
  const dashboard = useDashboardStore()
  /** Bumped when the view should follow the store: each clock tick, a new snapshot, and (throttled) events. */
  const pulse = shallowRef(0)
  const bump = () => pulse.value++
  if (import.meta.client) {
    watch(() => dashboard.lastEventAt, useThrottleFn(bump, FLEET_REFRESH_MS, true, true))
    watch(() => dashboard.now, bump)
  }
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
