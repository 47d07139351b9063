import { consola } from 'consola'
import { createAlerting, setAlerting } from '../core/alerts/alerting'
import { RulesFileError } from '../core/alerts/rules-file'
import { usePulse } from '../core/pulse'

/**
 * Alert rules over every source's metrics (README "Alert rules"). A rules
 * file that cannot be used stops the process with one line naming its line:
 * an instance must not run with rules other than the ones written down.
 */
export default defineNitroPlugin((nitroApp) => {
  const pulse = usePulse()
  // Sources are capped by NUXT_MAX_SOURCES; hosts are never more than sources.
  const maxTracked = (pulse.config as Partial<{ maxSources: number }>).maxSources ?? 1000
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
  consola.withTag('alerts').info(`${alerting.rules.length} alert rule${alerting.rules.length === 1 ? '' : 's'} over every source's metrics (${pulse.config.alertRulesFile || 'NUXT_ALERT_* thresholds'})`)

  nitroApp.hooks.hook('close', () => {
    stopObserving()
    alerting.close()
    setAlerting(null)
  })
})
