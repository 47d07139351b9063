/**
 * What `?source=` selects. `host-1*` is every name starting with `host-1`;
 * a plain name is that source alone when it exists, otherwise every name
 * starting with it (typing `db-` narrows the fleet to the databases).
 * Matching ignores case, like the natural order does.
 */
export function matchSources(pattern: string, names: readonly string[]): string[] {
  const wanted = pattern.trim().toLowerCase()
  if (!wanted) return [...names]
  if (wanted.endsWith('*')) {
    const prefix = wanted.slice(0, -1)
    return names.filter(name => name.toLowerCase().startsWith(prefix))
  }
  const exact = names.filter(name => name.toLowerCase() === wanted)
  return exact.length ? exact : names.filter(name => name.toLowerCase().startsWith(wanted))
}
