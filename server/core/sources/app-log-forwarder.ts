import type { LogInput } from '../../../shared/events'

export interface ForwarderOptions {
  publish: (line: LogInput) => Promise<unknown>
  /** Most lines forwarded per second; the rest are counted and summarised. */
  perSecond?: number
  now?: () => number
}

/**
 * Forwards the application's own warnings and errors to the `logs` channel.
 * Two guards stop feedback loops: a line produced while forwarding is never
 * forwarded, and a rate limit caps what a log storm can publish.
 */
export function createAppLogForwarder({ publish, perSecond = 20, now = Date.now }: ForwarderOptions) {
  let forwarding = false
  let windowStart = 0
  let sent = 0
  let dropped = 0

  return function forward(line: LogInput): void {
    if (forwarding) return
    const t = now()
    if (t - windowStart >= 1000) {
      const summary = dropped
      windowStart = t
      sent = 0
      dropped = 0
      if (summary) forward({ level: 'warn', message: `${summary} log lines not forwarded (rate limit)` })
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
}
