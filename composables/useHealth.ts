import { computed } from 'vue'
import { STALE_AFTER_MS, useDashboardStore } from '../stores/dashboard'
import { compareNatural } from '../utils/natural-order'

/** Health checks report every 5 s; they are stale after two missed rounds. */
export const HEALTH_STALE_AFTER_MS = 12_000
/**
 * Tiles shown; the rest are counted by state. A fleet whose collectors report
 * their own checks would otherwise list hundreds of rows, problems first or not.
 */
export const HEALTH_SHOWN = 12

export type HealthState = 'down' | 'degraded' | 'stale' | 'ok'
const RANK: Record<HealthState, number> = { down: 0, degraded: 1, stale: 2, ok: 3 }

/** One tile per check and source, problems first (down, degraded, stale), at most HEALTH_SHOWN. */
export function useHealth() {
  const store = useDashboardStore()
  const all = computed(() => [...store.health.values()]
    .map(({ data, seenAt }) => {
      const age = store.now - seenAt
      const stale = age > Math.max(HEALTH_STALE_AFTER_MS, STALE_AFTER_MS)
      return { ...data, age, stale, state: (stale ? 'stale' : data.status) as HealthState }
    })
    .sort((a, b) => RANK[a.state] - RANK[b.state] || compareNatural(a.check, b.check) || compareNatural(a.source, b.source)))
  const tiles = computed(() => all.value.slice(0, HEALTH_SHOWN))
  /** What the shown tiles leave out, by state ("+ 188 more: 186 ok, 2 stale"). */
  const more = computed(() => {
    const counts: Record<HealthState, number> = { down: 0, degraded: 0, stale: 0, ok: 0 }
    for (const tile of all.value.slice(HEALTH_SHOWN)) counts[tile.state]++
    const parts = (Object.keys(RANK) as HealthState[]).filter(state => counts[state] > 0).map(state => `${counts[state]} ${state}`)
    return { total: Math.max(0, all.value.length - HEALTH_SHOWN), parts: parts.join(', ') }
  })
  return { tiles, more }
}
