/**
 * Text that goes into a log line. Lines are read by people in a terminal, in
 * a log shipper and on the dashboard's Logs panel, so nothing a client chose
 * may start a new line, move the cursor or run on for kilobytes.
 */

/** Longest request path quoted in a log line. */
export const MAX_LOGGED_PATH = 120
/** Longest log line written at all. */
export const MAX_LOG_LINE = 2000

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g

/** Control characters written as escapes (`\n`, `\x1b`, `\u2028`): the line stays one line. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n'
    if (c === '\r') return '\\r'
    if (c === '\t') return '\\t'
    const code = c.charCodeAt(0)
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`
  })
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** A log-safe line: escaped, then cut to `MAX_LOG_LINE`. */
export function logLine(text: string): string {
  return truncate(escapeControl(text), MAX_LOG_LINE)
}

/**
 * A request path as it may appear in a log line: without the query, every
 * byte outside printable ASCII percent-encoded (so decoded text such as
 * "⚠ URGENT" never reads as a message of its own), at most `MAX_LOGGED_PATH`.
 */
export function loggedPath(path: string): string {
  const bare = path.split('?')[0] ?? ''
  let out = ''
  for (const char of bare.slice(0, MAX_LOGGED_PATH * 2)) {
    out += /^[\x21-\x7E]$/.test(char) ? char : percentEncode(char)
    if (out.length > MAX_LOGGED_PATH) break
  }
  return truncate(out, MAX_LOGGED_PATH)
}

function percentEncode(char: string): string {
  // Buffer.from never throws, even on a lone surrogate (it becomes U+FFFD).
  return [...Buffer.from(char, 'utf8')].map(byte => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('')
}
