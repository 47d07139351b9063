import { consola } from 'consola'
import { logLine } from './log-text'
import { RepeatWindow } from './repeat-window'

export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export interface LoggerOptions {
  /** Lines per second per kind of message; the rest are counted and summarised. @default 5 */
  perSecond?: number
  /** An identical line within this window is counted, not written again. @default 60000 */
  repeatWindowMs?: number
  /**
   * False for lines about what clients sent (4xx): they stay in this process's
   * output and never reach the dashboard's `logs` channel, where they would
   * put client-chosen text in front of every signed-in viewer. @default true
   */
  toDashboard?: boolean
  now?: () => number
}

/** What the app-log forwarder sees on a consola entry written by these loggers. */
export interface LoggerEntryMarks {
  /** Set on lines that must not be forwarded to the `logs` channel. */
  stdoutOnly?: true
}

type Level = 'info' | 'warn' | 'error'
interface Window { start: number, written: number, suppressed: number }

/** Messages are throttled per kind: the text before the first colon ("400 GET /api/sse/dashboard"). */
function kindOf(message: string): string {
  const colon = message.indexOf(':')
  return (colon < 0 ? message : message.slice(0, colon)).slice(0, 120)
}

/**
 * A tagged logger for lines an operator reads. Every line is escaped (no raw
 * control characters) and bounded in length; an identical line within a
 * minute is counted, then summarised once as "… (repeated 37×)"; and floods
 * are collapsed per kind of message, because hostile input can arrive
 * thousands of times a second and a few lines per second show it.
 */
export function createLogger(tag: string, { perSecond = 5, repeatWindowMs = 60_000, toDashboard = true, now = Date.now }: LoggerOptions = {}): Logger {
  const marks: LoggerEntryMarks = toDashboard ? {} : { stdoutOnly: true }
  // Written through the global instance on each call: `consola.withTag()` copies
  // the reporter list when it is called, so a logger made at import time would
  // never reach reporters added later (the app-log forwarder adds one in a plugin).
  const write = (level: Level, message: string) => consola[level]({ tag, message, ...marks })
  const repeats = new RepeatWindow(repeatWindowMs, ({ key, count }) => {
    const level = key.slice(0, key.indexOf(' ')) as Level
    write(level, `${key.slice(level.length + 1)} (repeated ${count}× in the last ${Math.round(repeatWindowMs / 1000)} s)`)
  }, now)
  const windows = new Map<string, Window>()

  const throttled = (level: Level) => (raw: string) => {
    const message = logLine(raw)
    const t = now()
    const kind = kindOf(message)
    let window = windows.get(kind)
    if (!window || t - window.start >= 1000) {
      if (window?.suppressed) write('warn', `${window.suppressed} more "${kind}" lines suppressed`)
      if (windows.size > 1000) windows.clear()
      window = { start: t, written: 0, suppressed: 0 }
      windows.set(kind, window)
    }
    if (!repeats.admit(`${level} ${message}`)) return
    if (window.written++ < perSecond) write(level, message)
    else window.suppressed++
  }
  return { info: throttled('info'), warn: throttled('warn'), error: throttled('error') }
}
