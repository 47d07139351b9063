import { computed } from 'vue'
import type { LocationQueryRaw } from 'vue-router'

export const CHART_WINDOWS = [5, 15, 30] as const
export type ChartWindow = (typeof CHART_WINDOWS)[number]
const DEFAULT_WINDOW: ChartWindow = 15
/** Up to this many sources in view, a chart draws each one's line; beyond it, the fleet's band and the worst few. */
export const CHART_LINE_LIMIT = 5

function first(value: unknown): string | null {
  const one = Array.isArray(value) ? value[0] : value
  return typeof one === 'string' ? one : null
}
/** `?kiosk` and `?kiosk=1` switch a flag on; `?kiosk=0` does not. */
function flag(query: Record<string, unknown>, key: string): boolean {
  return key in query && first(query[key]) !== '0' && first(query[key]) !== 'false'
}

/**
 * The view is in the URL, so a link shares it and a reload keeps it
 * (README, The dashboard):
 * - `?source=<name or prefix*>` focuses on those sources;
 * - `?window=5|15|30` is the chart window in minutes;
 * - `?paused` holds the charts;
 * - `?kiosk` is the wall-screen mode (no controls, larger type, one screen).
 * Changes replace the history entry: flipping a control is not a navigation.
 */
export function useDashboardView() {
  const route = useRoute()
  const router = useRouter()
  const source = computed(() => first(route.query.source)?.slice(0, 200) ?? '')
  const windowMinutes = computed<ChartWindow>(() => {
    const minutes = Number(first(route.query.window))
    return (CHART_WINDOWS as readonly number[]).includes(minutes) ? minutes as ChartWindow : DEFAULT_WINDOW
  })
  const paused = computed(() => flag(route.query, 'paused'))
  const kiosk = computed(() => flag(route.query, 'kiosk'))

  function update(patch: Record<string, string | boolean | null>): void {
    // `true` writes a bare `?key`; false, null and '' remove the key.
    const removed = new Set(Object.entries(patch).filter(([, value]) => value === false || value === null || value === '').map(([key]) => key))
    const query: LocationQueryRaw = Object.fromEntries(Object.entries(route.query).filter(([key]) => !removed.has(key)))
    for (const [key, value] of Object.entries(patch)) {
      if (value === true) query[key] = null
      else if (typeof value === 'string' && value !== '') query[key] = value
    }
    void router.replace({ query })
  }

  return {
    source,
    windowMinutes,
    paused,
    kiosk,
    focus: (pattern: string | null) => update({ source: pattern }),
    setWindow: (minutes: ChartWindow) => update({ window: minutes === DEFAULT_WINDOW ? null : String(minutes) }),
    setPaused: (value: boolean) => update({ paused: value }),
  }
}
