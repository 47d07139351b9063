import { compareNatural } from './natural-order'

export interface TopN<T> {
  /** At most `n` items, highest score first; equal scores in natural name order. */
  top: T[]
  /** How many were left out ("N more"). */
  more: number
}

/**
 * The `n` highest-scoring items. Ties are broken by name, never by arrival,
 * so the same fleet always shows the same few and the cut is stable from one
 * second to the next.
 */
export function topN<T>(items: readonly T[], n: number, score: (item: T) => number, name: (item: T) => string): TopN<T> {
  const sorted = [...items].sort((a, b) => score(b) - score(a) || compareNatural(name(a), name(b)))
  const top = sorted.slice(0, Math.max(0, n))
  return { top, more: items.length - top.length }
}

export interface SourceCount {
  source: string
  count: number
}

/** How many items each source has, the busiest `n` first ("worker-1 · 12, worker-2 · 8, 3 more"). */
export function countsBySource(sources: Iterable<string>, n: number): TopN<SourceCount> {
  const counts = new Map<string, number>()
  for (const source of sources) counts.set(source, (counts.get(source) ?? 0) + 1)
  return topN([...counts].map(([source, count]) => ({ source, count })), n, c => c.count, c => c.source)
}
