/** Query parameters that carry credentials (stream ticket, query-string viewer token). */
export const SECRET_PARAMS: ReadonlySet<string> = new Set(['token', 'ticket'])

/**
 * The URL with every credential parameter's value replaced, for anything
 * that may print or echo the URL (h3 and Nitro put it in error bodies and in
 * the "[request error]" log line). Keys are compared decoded, as the query
 * parser sees them, so `%74oken=` is caught too.
 */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?')
  if (mark < 0) return url
  const query = url.slice(mark + 1)
  const params = new URLSearchParams(query)
  let found = false
  for (const key of new Set(params.keys())) {
    if (!SECRET_PARAMS.has(key)) continue
    found = true
    params.set(key, 'redacted')
  }
  return found ? `${url.slice(0, mark)}?${params.toString()}` : url
}
