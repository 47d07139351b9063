import { afterEach, describe, expect, it, vi } from 'vitest'
import { watchPageLife } from '~/utils/page-life'

function watch() {
  const calls: string[] = []
  const stop = watchPageLife({
    away: () => calls.push('away'),
    back: () => calls.push('back'),
    wake: reason => calls.push(`wake:${reason}`),
    offline: () => calls.push('offline'),
  })
  return { calls, stop }
}

function pageTransition(type: 'pagehide' | 'pageshow', persisted: boolean): Event {
  const event = new Event(type)
  Object.defineProperty(event, 'persisted', { value: persisted })
  return event
}

describe('watchPageLife', () => {
  afterEach(() => vi.useRealTimers())

  it('reports leaving, coming back from the back/forward cache, freezing, and the network', () => {
    const { calls, stop } = watch()
    window.dispatchEvent(pageTransition('pagehide', true))
    window.dispatchEvent(pageTransition('pageshow', false))
    window.dispatchEvent(pageTransition('pageshow', true))
    document.dispatchEvent(new Event('freeze'))
    document.dispatchEvent(new Event('resume'))
    window.dispatchEvent(new Event('offline'))
    window.dispatchEvent(new Event('online'))
    expect(calls).toEqual(['away', 'back', 'away', 'back', 'offline', 'wake:online'])
    stop()
    window.dispatchEvent(new Event('online'))
    expect(calls).toHaveLength(6)
  })

  it('notices a sleep from a timer that fires far too late', async () => {
    vi.useFakeTimers()
    const { calls, stop } = watch()
    await vi.advanceTimersByTimeAsync(3000)
    expect(calls).toEqual([])
    // The machine sleeps: the clock jumps, the timer fires once, late.
    vi.setSystemTime(Date.now() + 60_000)
    await vi.advanceTimersByTimeAsync(1000)
    expect(calls).toEqual(['wake:awake'])
    stop()
  })
})
