import { computed } from 'vue'
import type { Metric } from '#shared/events'
import type { MetricSpec, Tone } from '../utils/metric-levels'
import { aggregateLabel, METRIC_SPECS, toneOf } from '../utils/metric-levels'
import { clusterValue } from '../utils/cluster'
import { SOURCE_STALE_AFTER_MS } from '../utils/source-status'
import { topN } from '../utils/top-n'

/** Source rows on a card: the highest few, never a row per source. */
export const CARD_ROWS = 3

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
  /** The highest live sources first, then stale ones; at most CARD_ROWS. */
  rows: SourceRow[]
  /** Sources left out of `rows` ("N more"). */
  more: number
}

/** Metric cards for the sources in view: a cluster value from the live ones and the highest few. */
export function useMetrics() {
  const { selected } = useFleet()

  const cards = computed<MetricCard[]>(() => {
    const sources = selected.value
    const live: Metric[] = []
    let newest: number | null = null
    for (const { metric, age } of sources) {
      if (age <= SOURCE_STALE_AFTER_MS) live.push(metric)
      newest = newest === null ? age : Math.min(newest, age)
    }
    return METRIC_SPECS.map((spec) => {
      const value = clusterValue(spec, live)
      const rows = sources.map(({ metric, age }) => ({
        source: metric.source,
        value: metric[spec.field],
        tone: toneOf(spec, metric[spec.field]),
        stale: age > SOURCE_STALE_AFTER_MS,
        age,
      }))
      const { top, more } = topN(rows, CARD_ROWS, row => (row.stale ? -Infinity : row.value), row => row.source)
      return {
        spec,
        value,
        tone: toneOf(spec, value),
        aggregate: aggregateLabel(spec, live.length, sources.length - live.length),
        stale: live.length === 0,
        age: newest,
        rows: top,
        more,
      }
    })
  })

  return { cards, sourceCount: computed(() => selected.value.length) }
}
