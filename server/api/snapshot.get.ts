import { usePulse } from '../core/pulse'
import { useSnapshotState } from '../core/snapshot-state'
import { useReadPath } from '../core/history/read-path'
import { sendAnswer } from '../core/answers/send-answer'

/** Longest an SSR render waits for the warm-up before serving what there is. */
const WARM_WAIT_MS = 2000
/**
 * Viewers arriving within this long share one snapshot (its id is where
 * their streams continue, so it is never stale in effect; the page's clock
 * follows the heartbeats).
 */
const SHARE_MS = 1000

/**
 * The dashboard's starting point: latest metrics, recent alerts and logs,
 * health, and the id the browser's stream continues from. The SSR page reads
 * it through here too, so a crowd opening the page shares one.
 */
export default defineEventHandler(async (event) => {
  const { config } = usePulse()
  const state = useSnapshotState()
  await state.whenReady(WARM_WAIT_MS)
  const answer = await useReadPath().answers.get(`snapshot:${state.complete}`, SHARE_MS, () => state.snapshot(config.sseHeartbeatMs))
  return sendAnswer(event, answer)
})
