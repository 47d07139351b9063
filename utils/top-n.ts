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
  const size = Math.max(0, n)
  const before = (a: T, b: T) => score(b) - score(a) || compareNatural(name(a), name(b))
  // One pass keeping the best `size` in order (what a stable sort would put
  // first): cards and charts pick a few of hundreds of sources every second.
  const top: T[] = []
  for (const item of items) {
    if (top.length === size && (size === 0 || !(before(item, top[size - 1]!) < 0))) continue
    let at = top.length
    while (at > 0 && before(item, top[at - 1]!) < 0) at--
    top.splice(at, 0, item)
    if (top.length > size) top.length = size
  }
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
