/**
 * What `?source=` selects. `host-1*` is every name starting with `host-1`;
 * a plain name is that source alone when it is a known source, otherwise
 * every name starting with it (typing `db-` narrows the fleet to the
 * databases). Matching ignores case, like the natural order does.
 */
export function sourceMatcher(pattern: string, known: readonly string[]): (name: string) => boolean {
  const wanted = pattern.trim().toLowerCase()
  if (!wanted) return () => true
  if (wanted.endsWith('*')) {
    const prefix = wanted.slice(0, -1)
    return name => name.toLowerCase().startsWith(prefix)
  }
  if (known.some(name => name.toLowerCase() === wanted)) return name => name.toLowerCase() === wanted
  return name => name.toLowerCase().startsWith(wanted)
}

export function matchSources(pattern: string, names: readonly string[]): string[] {
  return names.filter(sourceMatcher(pattern, names))
}
