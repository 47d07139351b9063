/**
 * What `?source=` selects. `host-1*` is every name starting with `host-1`;
 * a plain name is that source alone when it is a known source, otherwise
 * every name starting with it (typing `db-` narrows the fleet to the
 * databases). Matching ignores case, like the natural order does.
 */
export function sourceMatcher(pattern: string, known: readonly string[]): (name: string) => boolean {
  return matcherFor(pattern, namesOneSource(pattern, known))
}

/** True when `pattern` is exactly one of the `known` names (not a prefix, not `…*`). */
export function namesOneSource(pattern: string, known: readonly string[]): boolean {
  const wanted = pattern.trim().toLowerCase()
  return !!wanted && !wanted.endsWith('*') && known.some(name => name.toLowerCase() === wanted)
}

/** The matcher for `pattern`, given whether it names one known source (see namesOneSource). */
export function matcherFor(pattern: string, exact: boolean): (name: string) => boolean {
  const wanted = pattern.trim().toLowerCase()
  if (!wanted) return () => true
  if (wanted.endsWith('*')) {
    const prefix = wanted.slice(0, -1)
    return name => name.toLowerCase().startsWith(prefix)
  }
  if (exact) return name => name.toLowerCase() === wanted
  return name => name.toLowerCase().startsWith(wanted)
}

export function matchSources(pattern: string, names: readonly string[]): string[] {
  return names.filter(sourceMatcher(pattern, names))
}
