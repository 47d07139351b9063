import { computed } from 'vue'
import { STALE_AFTER_MS, useDashboardStore } from '../stores/dashboard'

/** Health checks report every 5 s; they are stale after two missed rounds. */
export const HEALTH_STALE_AFTER_MS = 12_000

/** One tile per check and source, problems first. */
export function useHealth() {
  const store = useDashboardStore()
  const rank = { down: 0, degraded: 1, ok: 2 } as const
  const tiles = computed(() => [...store.health.values()]
    .map(({ data, seenAt }) => ({ ...data, age: store.now - seenAt, stale: store.now - seenAt > Math.max(HEALTH_STALE_AFTER_MS, STALE_AFTER_MS) }))
    .sort((a, b) => rank[a.status] - rank[b.status] || a.check.localeCompare(b.check) || a.source.localeCompare(b.source)))
  return { tiles }
}
