export type WakeReason = 'online' | 'visible' | 'awake'

export interface PageLifeHandlers {
  /** The page goes into the back/forward cache, unloads or is frozen. */
  away: () => void
  /** The page is back from the back/forward cache or unfrozen. */
  back: () => void
  /** The page may have missed time: back online, visible again, or awake after a sleep. */
  wake: (reason: WakeReason) => void
  /** The browser lost its network: whatever stream is open is dead. */
  offline: () => void
}

/** A tick this much later than due means the machine (or the tab) slept. */
const SLEPT_AFTER_MS = 5000
const TICK_MS = 1000

/**
 * Calls the handlers on the page life events the stream cares about
 * (HTML "page lifecycle": pagehide/pageshow, freeze/resume, online/offline,
 * visibilitychange) and on wake from sleep, which has no event: a timer that
 * fires far too late says so. Returns the function that stops listening.
 */
export function watchPageLife({ away, back, wake, offline }: PageLifeHandlers): () => void {
  const onPageHide = () => away()
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted) back()
  }
  const onOnline = () => wake('online')
  const onVisibility = () => {
    if (document.visibilityState === 'visible') wake('visible')
  }
  let lastTick = Date.now()
  const ticker = setInterval(() => {
    const now = Date.now()
    if (now - lastTick > SLEPT_AFTER_MS) wake('awake')
    lastTick = now
  }, TICK_MS)

  window.addEventListener('pagehide', onPageHide)
  window.addEventListener('pageshow', onPageShow)
  window.addEventListener('online', onOnline)
  window.addEventListener('offline', offline)
  document.addEventListener('freeze', away)
  document.addEventListener('resume', back)
  document.addEventListener('visibilitychange', onVisibility)
  return () => {
    clearInterval(ticker)
    window.removeEventListener('pagehide', onPageHide)
    window.removeEventListener('pageshow', onPageShow)
    window.removeEventListener('online', onOnline)
    window.removeEventListener('offline', offline)
    document.removeEventListener('freeze', away)
    document.removeEventListener('resume', back)
    document.removeEventListener('visibilitychange', onVisibility)
  }
}
