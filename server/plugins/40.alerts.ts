import { consola } from 'consola'
import { createAlerting, setAlerting } from '../core/alerts/alerting'
import { RulesFileError } from '../core/alerts/rules-file'
import type { Alerting } from '../core/alerts/alerting'
import type { Pulse } from '../core/pulse'
import { usePulse } from '../core/pulse'

/**
 * Alert rules over every source's metrics (README "Alert rules"). A rules
 * file that cannot be used stops the process with one line naming its line:
 * an instance must not run with rules other than the ones written down.
 */
export default defineNitroPlugin((nitroApp) => {
  const pulse = usePulse()
  // Sources are capped by NUXT_MAX_SOURCES; hosts are never more than sources.
  const maxTracked = pulse.config.maxSources
  let alerting
  try {
    alerting = createAlerting(pulse.config, pulse.broker, maxTracked)
  }
  catch (error) {
    if (!(error instanceof RulesFileError)) throw error
    consola.error(`[alerts] ${error.message}`)
    if (!import.meta.dev) process.exit(1)
    throw error
  }
  setAlerting(alerting)
  const stopObserving = pulse.hub.onMessage(message => alerting.fleet.observe(message))
  void primeOnceReady(pulse, alerting)
  consola.withTag('alerts').info(`${alerting.rules.length} alert rule${alerting.rules.length === 1 ? '' : 's'} over every source's metrics (${pulse.config.alertRulesFile || 'NUXT_ALERT_* thresholds'})`)

  nitroApp.hooks.hook('close', () => {
    stopObserving()
    alerting.close()
    setAlerting(null)
  })
})

/** Reads the firing alerts from the retained log once the broker answers (live messages wait meanwhile). */
async function primeOnceReady(pulse: Pulse, alerting: Alerting): Promise<void> {
  const since = Date.now() - pulse.config.logMaxAgeMs
  // Called at once (live messages are held from now on); the read itself waits for the broker.
  const restored = await alerting.fleet.prime(async (from, apply) => {
    const deadline = Date.now() + 30_000
    while (pulse.broker.state() !== 'ready' && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
    return pulse.logWindow.read(from, apply)
  }, since)
  if (restored > 0) consola.withTag('alerts').info(`${restored} alert transitions read from the log`)
}
