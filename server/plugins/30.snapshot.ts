import { usePulse } from '../core/pulse'
import { createLogger } from '../core/logger'
import { DEFAULT_SNAPSHOT_LIMITS, setSnapshotState, SnapshotState } from '../core/snapshot-state'

/**
 * Keeps this instance's dashboard snapshot (what the SSR page shows first).
 * It listens to the hub before reading the log, so nothing falls between.
 */
export default defineNitroPlugin((nitroApp) => {
  const pulse = usePulse()
  // As many sources as the instance admits (NUXT_MAX_SOURCES), so none of them is left out.
  const limits = { ...DEFAULT_SNAPSHOT_LIMITS, maxKeys: pulse.config.maxSources }
  const state = new SnapshotState(pulse.broker, limits, createLogger('snapshot'))
  const unsubscribe = pulse.hub.onMessage(message => state.receive(message))
  setSnapshotState(state)
  void state.warm()

  nitroApp.hooks.hook('close', () => {
    unsubscribe()
    state.stop()
    setSnapshotState(null)
  })
})
