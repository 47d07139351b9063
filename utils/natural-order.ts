/**
 * Names in the order people read them: digits compare as numbers, so
 * `host-2` comes before `host-10`, and case does not split a fleet in two.
 * Names that still compare equal (`Host-1`, `host-1`) fall back to their code
 * units, so the order is total and the same on the server and in the browser.
 */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' })

export function compareNatural(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0)
}
