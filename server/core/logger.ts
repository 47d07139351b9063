import { consola } from 'consola'

export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

interface Window { start: number, written: number, suppressed: number }

/** Messages are throttled per kind: the text before the first colon ("400 GET /api/sse/dashboard"). */
function kindOf(message: string): string {
  const colon = message.indexOf(':')
  return (colon < 0 ? message : message.slice(0, colon)).slice(0, 120)
}

/**
 * A tagged logger that collapses floods: hostile input can arrive thousands of
 * times a second, and a few lines per second per kind of message are enough
 * to see it. Suppressed lines are summarised when their kind speaks again.
 */
export function createLogger(tag: string, { perSecond = 5, now = Date.now } = {}): Logger {
  // Written through the global instance on each call: `consola.withTag()` copies
  // the reporter list when it is called, so a logger made at import time would
  // never reach reporters added later (the app-log forwarder adds one in a plugin).
  const base = {
    info: (message: string) => consola.info({ tag, message }),
    warn: (message: string) => consola.warn({ tag, message }),
    error: (message: string) => consola.error({ tag, message }),
  }
  const windows = new Map<string, Window>()
  const throttled = (write: (message: string) => void) => (message: string) => {
    const t = now()
    const kind = kindOf(message)
    let window = windows.get(kind)
    if (!window || t - window.start >= 1000) {
      if (window?.suppressed) base.warn(`${window.suppressed} more "${kind}" lines suppressed`)
      if (windows.size > 1000) windows.clear()
      window = { start: t, written: 0, suppressed: 0 }
      windows.set(kind, window)
    }
    if (window.written++ < perSecond) write(message)
    else window.suppressed++
  }
  return {
    info: throttled(message => base.info(message)),
    warn: throttled(message => base.warn(message)),
    error: throttled(message => base.error(message)),
  }
}
