import { consola } from 'consola'
import { usePulse } from '../core/pulse'
import { createAppLogForwarder } from '../core/sources/app-log-forwarder'
import type { LoggerEntryMarks } from '../core/logger'
import { loggedPath } from '../core/log-text'

const LEVELS: Record<number, 'error' | 'warn'> = { 0: 'error', 1: 'warn' }

/** The app's own warnings and errors become `log` events on the dashboard. */
export default defineNitroPlugin((nitroApp) => {
  const pulse = usePulse()
  const forward = createAppLogForwarder({
    publish: line => pulse.publisher.publish('logs', { ...line, source: pulse.config.instanceId }),
  })

  consola.addReporter({
    log(entry) {
      const level = LEVELS[entry.level]
      // Lines about what a client sent (4xx) stay on stdout: see createLogger's `toDashboard`.
      if (!level || (entry as LoggerEntryMarks).stdoutOnly) return
      const message = entry.args.map(arg => (arg instanceof Error ? arg.message : String(arg))).join(' ').slice(0, 4000)
      if (message) forward({ level, message, fields: entry.tag ? { tag: entry.tag } : undefined })
    },
  })

  // Unhandled request failures (5xx); client errors are logged by clientError already.
  nitroApp.hooks.hook('error', (error, { event }) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500
    if (status < 500) return
    forward({ level: 'error', message: error.message.slice(0, 4000), fields: { path: loggedPath(event?.path ?? '') } })
  })
})
