import type { Ref } from 'vue'
import { watch } from 'vue'
import { tryOnScopeDispose } from '@vueuse/core'
import { useDashboardStore } from '../stores/dashboard'
import { EVENT_NAMES } from '#shared/channels'
import { statusOf } from '../utils/http-status'
import { announceSignOut, onSignOutElsewhere } from '../utils/sign-out-signal'
import type { StreamRole } from './useSharedSse'
import { useSharedSse } from './useSharedSse'

export interface UseDashboardStreamOptions {
  /**
   * Share one stream with the other dashboard tabs of this browser (README,
   * The dashboard). False gives this page a stream of its own.
   * @default true
   */
  share?: boolean
}

export interface UseDashboardStreamReturn {
  role: Ref<StreamRole>
  /** Browser only: loads the snapshot if the page had none, opens the stream, loads chart history. */
  start: () => Promise<void>
  /** Ends this page's part for good: nothing pending (reconnect, resync, access check) reopens it. */
  stop: () => void
  reconnect: () => void
}

/** Lock and channel name the dashboard tabs share. */
const SHARE_NAME = 'pulseboard:dashboard-stream'

/**
 * The dashboard's stream lifecycle: feeds the store from the snapshot's id on,
 * reloads the snapshot when the server says the resume point is gone, and
 * sends the page to /login when the session is gone — in every tab.
 */
export function useDashboardStream({ share = true }: UseDashboardStreamOptions = {}): UseDashboardStreamReturn {
  const store = useDashboardStore()
  let stopped = true
  let stopListening: (() => void) | null = null

  const stream = useSharedSse<unknown>({
    url: '/api/sse/dashboard',
    events: [...Object.values(EVENT_NAMES), 'reset'],
    withCredentials: true,
    share: share ? SHARE_NAME : false,
    lastEventId: () => store.lastEventId,
    idleTimeoutMs: () => store.heartbeatMs * 2,
    onEvent: ({ name, data, id }) => {
      if (name === 'reset') void resync()
      else store.receive(name, data, id)
    },
    onClosed: () => checkAccess(),
    onGap: () => void resync(),
  })

  const showConnection = () => {
    store.connection = { status: stream.status.value, attempt: stream.attempt.value, reason: stream.error.value, eventCount: stream.eventCount.value }
  }
  // The state shows at once; the event count moves when the store lets events
  // through to the view (at most once a second), not on each of hundreds a second.
  watch([stream.status, stream.attempt, stream.error], showConnection, { immediate: true })
  watch(() => store.lastEventAt, showConnection)

  /** The resume point is gone (log trimmed or lost): start again from a fresh snapshot. */
  async function resync(): Promise<void> {
    if (stopped) return
    const refused = store.lastEventId
    stream.suspend()
    try {
      await store.loadSnapshot()
    }
    catch {
      // Only a 401 escapes loadSnapshot.
      return signedOut(true)
    }
    if (stopped) return
    // The snapshot offers the very id the server just refused: go live
    // rather than loop between reset and resync.
    if (store.lastEventId === refused) store.lastEventId = null
    stream.open()
    void store.loadHistory()
  }

  /** After the browser gave up on the stream: 401 means the session is gone. */
  async function checkAccess(): Promise<boolean> {
    try {
      await $fetch('/api/snapshot')
    }
    catch (error) {
      if (statusOf(error) === 401) {
        await signedOut(true)
        return false
      }
    }
    return !stopped
  }

  async function signedOut(tellOthers: boolean): Promise<void> {
    stop()
    if (tellOthers) announceSignOut()
    await navigateTo('/login')
  }

  async function start(): Promise<void> {
    if (import.meta.server || !stopped) return
    stopped = false
    store.startClock()
    stopListening = onSignOutElsewhere(() => void signedOut(false))
    if (!store.loaded) {
      try {
        await store.loadSnapshot()
      }
      catch {
        return signedOut(false)
      }
      if (stopped) return
    }
    store.takeHandoff()
    stream.open()
    await store.loadHistory()
  }

  function stop(): void {
    stopped = true
    stopListening?.()
    stopListening = null
    stream.close()
    store.stopClock()
  }

  tryOnScopeDispose(stop)

  return { role: stream.role, start, stop, reconnect: stream.reconnect }
}
