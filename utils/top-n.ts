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
