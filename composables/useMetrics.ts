import { computed } from 'vue'
import type { Metric } from '#shared/events'
import { STALE_AFTER_MS, useDashboardStore } from '../stores/dashboard'
import type { MetricSpec, Tone } from '../utils/metric-levels'
import { aggregateLabel, METRIC_SPECS, toneOf } from '../utils/metric-levels'
import { clusterValue } from '../utils/cluster'

export interface SourceRow {
  source: string
  value: number
  tone: Tone
  stale: boolean
  /** Milliseconds since the source's last sample. */
  age: number
}

export interface MetricCard {
  spec: MetricSpec
  /** Cluster value over the live sources; null when none is live. */
  value: number | null
  tone: Tone
  aggregate: string
  /** Every source reporting this metric is stale (or there is none). */
  stale: boolean
  /** Age of the newest sample, for "stale — last sample N s ago". */
  age: number | null
  rows: SourceRow[]
}

/** Metric cards: a cluster value from the live sources, and a row per source. */
export function useMetrics() {
  const store = useDashboardStore()

  // Live sources first, then stale ones; by name within each group.
  const sources = computed(() => [...store.metrics.values()]
    .map(entry => ({ metric: entry.data, age: store.now - entry.seenAt }))
    .sort((a, b) => Number(a.age > STALE_AFTER_MS) - Number(b.age > STALE_AFTER_MS) || a.metric.source.localeCompare(b.metric.source)))

  const cards = computed<MetricCard[]>(() => {
    const live: Metric[] = sources.value.filter(s => s.age <= STALE_AFTER_MS).map(s => s.metric)
    const newest = sources.value.length ? Math.min(...sources.value.map(s => s.age)) : null
    return METRIC_SPECS.map((spec) => {
      const value = clusterValue(spec, live)
      return {
        spec,
        value,
        tone: toneOf(spec, value),
        aggregate: aggregateLabel(spec, live.length, sources.value.length - live.length),
        stale: live.length === 0,
        age: newest,
        rows: sources.value.map(({ metric, age }) => ({
          source: metric.source,
          value: metric[spec.field],
          tone: toneOf(spec, metric[spec.field]),
          stale: age > STALE_AFTER_MS,
          age,
        })),
      }
    })
  })

  return { cards, sourceCount: computed(() => sources.value.length) }
}
