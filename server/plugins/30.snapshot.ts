import { usePulse } from '../core/pulse'
import { createLogger } from '../core/logger'
import { DEFAULT_SNAPSHOT_LIMITS, setSnapshotState, SnapshotState } from '../core/snapshot-state'
import { HistoryStore } from '../core/history/history-store'
import { DEFAULT_HISTORY_OPTIONS, setReadPath } from '../core/history/read-path'
import { SharedAnswers } from '../core/answers/shared-answers'
import { SharedPages } from '../core/answers/shared-pages'

/**
 * Keeps this instance's dashboard snapshot (what the SSR page shows first)
 * and its chart history, and the answers shared between viewers. Both
 * listen to the hub before reading the log, so nothing falls between.
 */
export default defineNitroPlugin((nitroApp) => {
  const pulse = usePulse()
  // As many sources as the instance admits (NUXT_MAX_SOURCES), so none of them is left out.
  const maxSources = pulse.config.maxSources
  const state = new SnapshotState(pulse.broker, { ...DEFAULT_SNAPSHOT_LIMITS, maxKeys: maxSources }, createLogger('snapshot'), Date.now, pulse.logWindow.read)
  const history = new HistoryStore(pulse.broker, { ...DEFAULT_HISTORY_OPTIONS, maxSources }, createLogger('history'), Date.now, pulse.logWindow.read)
  const unsubscribe = pulse.hub.onMessage((message) => {
    state.receive(message)
    history.receive(message)
  })
  setSnapshotState(state)
  setReadPath({ history, answers: new SharedAnswers(pulse.counters.answers), pages: new SharedPages(pulse.counters.pages), historyCounts: { fromMemory: 0, fromLog: 0 } })
  void state.warm()
  void history.load()

  nitroApp.hooks.hook('close', () => {
    unsubscribe()
    state.stop()
    history.stop()
    setSnapshotState(null)
    setReadPath(null)
  })
})
