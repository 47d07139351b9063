import type { LogInput } from '../../../shared/events'
import { logLine } from '../log-text'
import { RepeatWindow } from '../repeat-window'

export interface ForwarderOptions {
  publish: (line: LogInput) => Promise<unknown>
  /** Most lines forwarded per second; the rest are counted and summarised. */
  perSecond?: number
  /** An identical line within this window is counted, not forwarded again. @default 60000 */
  repeatWindowMs?: number
  now?: () => number
}

/**
 * Forwards the application's own warnings and errors to the `logs` channel.
 * Two guards stop feedback loops: a line produced while forwarding is never
 * forwarded, and a rate limit caps what a log storm can publish. Lines are
 * escaped and bounded (they may quote what a client sent), and a line
 * repeated within a minute is forwarded once, then as "… (repeated N×)".
 */
export function createAppLogForwarder({ publish, perSecond = 20, repeatWindowMs = 60_000, now = Date.now }: ForwarderOptions) {
  let forwarding = false
  let windowStart = 0
  let sent = 0
  let dropped = 0
  const repeats = new RepeatWindow(repeatWindowMs, ({ key, count }) => {
    const line = JSON.parse(key) as LogInput
    send({ ...line, message: `${line.message} (repeated ${count}× in the last ${Math.round(repeatWindowMs / 1000)} s)` })
  }, now)

  function send(line: LogInput): void {
    if (forwarding) return
    const t = now()
    if (t - windowStart >= 1000) {
      const summary = dropped
      windowStart = t
      sent = 0
      dropped = 0
      if (summary) send({ level: 'warn', message: `${summary} log lines not forwarded (rate limit)` })
    }
    if (sent >= perSecond) {
      dropped++
      return
    }
    sent++
    forwarding = true
    try {
      publish(line).catch(() => {})
    }
    finally {
      forwarding = false
    }
  }

  return function forward(line: LogInput): void {
    if (forwarding) return
    const safe: LogInput = { ...line, message: logLine(line.message) || '(empty)' }
    if (repeats.admit(JSON.stringify(safe))) send(safe)
  }
}
