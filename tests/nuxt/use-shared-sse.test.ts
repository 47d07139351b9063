import { beforeEach, describe, expect, it } from 'vitest'
import { effectScope } from 'vue'
import { useSharedSse } from '~/composables/useSharedSse'
import type { UseSharedSseOptions } from '~/composables/useSharedSse'
import { ScriptedEventSource } from './scripted-event-source'

function run(options: Partial<UseSharedSseOptions<unknown>> & { lastEventId: () => string | null }) {
  const seen: string[] = []
  const stream = effectScope().run(() => useSharedSse({
    url: '/s',
    events: ['alert'],
    onEvent: ({ name, id }) => seen.push(`${name}:${id}`),
    ...options,
  }))!
  return { stream, seen }
}

/**
 * The sharing itself (Web Locks, BroadcastChannel, handover) runs in Chromium:
 * tests/e2e/dashboard-tabs.test.ts. Here: the fallback, which the Nuxt test
 * environment gets because it has no Web Locks.
 */
describe('useSharedSse without Web Locks', () => {
  beforeEach(() => ScriptedEventSource.install())

  it('streams on its own, resuming after the id the tab has', () => {
    let applied: string | null = '5-0'
    const { stream, seen } = run({ share: 'dashboard', lastEventId: () => applied })
    stream.open()
    expect(stream.role.value).toBe('solo')
    expect(ScriptedEventSource.latest.url).toBe('/s?lastEventId=5-0')
    ScriptedEventSource.latest.open()
    expect(stream.status.value).toBe('open')
    ScriptedEventSource.latest.emit('alert', { n: 1 }, '6-0')
    ScriptedEventSource.latest.emit('alert', { n: 2 })
    applied = '6-0'
    stream.reconnect()
    expect(ScriptedEventSource.latest.url).toBe('/s?lastEventId=6-0')
    expect(seen).toEqual(['alert:6-0', 'alert:'])
    expect(stream.eventCount.value).toBe(2)
    stream.close()
    expect(ScriptedEventSource.open).toHaveLength(0)
  })

  it('adds the resume id to a URL that an async function gives, on every (re)connect', async () => {
    let tickets = 0
    const { stream } = run({ url: async () => `/s?ticket=t${++tickets}`, lastEventId: () => '7-1' })
    stream.open()
    await expect.poll(() => ScriptedEventSource.instances.length).toBe(1)
    stream.reconnect()
    await expect.poll(() => ScriptedEventSource.instances.length).toBe(2)
    expect(ScriptedEventSource.instances.map(source => source.url)).toEqual(['/s?ticket=t1&lastEventId=7-1', '/s?ticket=t2&lastEventId=7-1'])
    stream.close()
  })
})
