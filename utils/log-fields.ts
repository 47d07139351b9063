/** Longest text shown for a line's fields; the rest is cut with "…". */
const MAX_FIELDS_TEXT = 300

/**
 * A log line's structured `fields` as one readable line:
 * `{"order":42,"region":"eu"}` → `order=42 region=eu`. Strings are shown
 * as they are (quoted when they hold a space), anything else as JSON.
 */
export function formatFields(fields: Readonly<Record<string, unknown>> | undefined): string {
  if (!fields) return ''
  const parts: string[] = []
  for (const [key, value] of Object.entries(fields)) {
    let text: string
    if (typeof value === 'string') text = /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value
    else text = JSON.stringify(value) ?? String(value)
    parts.push(`${key}=${text}`)
  }
  const line = parts.join(' ')
  return line.length > MAX_FIELDS_TEXT ? `${line.slice(0, MAX_FIELDS_TEXT - 1)}…` : line
}
