import { consola } from 'consola'

export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

/**
 * A tagged logger that collapses floods: hostile input can arrive thousands of
 * times a second, and one line per second per message kind is enough to see it.
 */
export function createLogger(tag: string, { perSecond = 5, now = Date.now } = {}): Logger {
  const base = consola.withTag(tag)
  let windowStart = 0
  let inWindow = 0
  let suppressed = 0
  const throttled = (write: (message: string) => void) => (message: string) => {
    const t = now()
    if (t - windowStart >= 1000) {
      if (suppressed) base.warn(`${suppressed} similar log lines suppressed`)
      windowStart = t
      inWindow = 0
      suppressed = 0
    }
    if (inWindow++ < perSecond) write(message)
    else suppressed++
  }
  return {
    info: throttled(message => base.info(message)),
    warn: throttled(message => base.warn(message)),
    error: throttled(message => base.error(message)),
  }
}
