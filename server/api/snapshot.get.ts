import { usePulse } from '../core/pulse'
import { useSnapshotState } from '../core/snapshot-state'

/** Longest an SSR render waits for the warm-up before serving what there is. */
const WARM_WAIT_MS = 2000

/**
 * The dashboard's starting point: latest metrics, recent alerts and logs,
 * health, and the id the browser's stream continues from.
 */
export default defineEventHandler(async (event) => {
  const { config } = usePulse()
  const state = useSnapshotState()
  await state.whenReady(WARM_WAIT_MS)
  setResponseHeader(event, 'Cache-Control', 'no-store')
  return state.snapshot(config.sseHeartbeatMs)
})
