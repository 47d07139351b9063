import { consola } from 'consola'
import type { PulseConfig } from '../core/config'
import { ConfigError, readPulseConfig } from '../core/config'
import { createPulse, setPulse } from '../core/pulse'

/**
 * Starts this instance's broker connection, hub and heartbeat. Nitro does not
 * await plugins, and the broker connects in the background, so requests are
 * served (and `/health/sse` says 503) before Redis is reachable.
 */
export default defineNitroPlugin((nitroApp) => {
  const pulse = createPulse(readConfig())
  setPulse(pulse)
  pulse.broker.start()
  pulse.hub.start()
  pulse.eventLoopDelay.enable()

  // Nitro's graceful shutdown waits for open connections before its `close`
  // hook, and streams never end by themselves: end them on the signal itself
  // so clients reconnect to another instance at once.
  const endStreams = () => pulse.hub.shutdown()
  process.once('SIGTERM', endStreams)
  process.once('SIGINT', endStreams)

  nitroApp.hooks.hook('close', async () => {
    process.off('SIGTERM', endStreams)
    process.off('SIGINT', endStreams)
    await pulse.close()
    setPulse(null)
  })
})

/** A bad setting stops the process with one line naming the variable, not a stack trace. */
function readConfig(): PulseConfig {
  try {
    return readPulseConfig(useRuntimeConfig())
  }
  catch (error) {
    if (!(error instanceof ConfigError)) throw error
    consola.error(`[config] ${error.message}`)
    // Tests and `nuxi dev` surface the thrown error; the production server must exit.
    if (!import.meta.dev) process.exit(1)
    throw error
  }
}
