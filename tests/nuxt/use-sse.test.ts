import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick } from 'vue'
import { useSse } from '~/composables/useSse'
import type { UseSseOptions } from '~/composables/useSse'
import { ScriptedEventSource } from './scripted-event-source'

function run<T>(options: UseSseOptions<T>) {
  const scope = effectScope()
  const sse = scope.run(() => useSse<T>(options))!
  return { sse, scope }
}

describe('useSse', () => {
  beforeEach(() => ScriptedEventSource.install())
  afterEach(() => vi.useRealTimers())

  it('opens with credentials, parses the events asked for, and counts them', async () => {
    const seen: string[] = []
    const { sse, scope } = run<{ cpu: number }>({
      url: '/stream',
      events: ['metric-update'],
      withCredentials: true,
      onEvent: ({ name, id }) => seen.push(`${name}:${id}`),
    })
    const source = ScriptedEventSource.latest
    expect(source.url).toBe('/stream')
    expect(source.withCredentials).toBe(true)
    expect(sse.status.value).toBe('connecting')
    source.open()
    expect(sse.isConnected.value).toBe(true)
    source.emit('metric-update', { cpu: 12 }, '5-0')
    source.emit('heartbeat', 1700000000000)
    source.emit('other', { ignored: true })
    expect(sse.data.value).toEqual({ cpu: 12 })
    expect(sse.eventCount.value).toBe(1)
    expect(seen).toEqual(['metric-update:5-0', 'heartbeat:'])
    scope.stop()
    expect(source.readyState).toBe(ScriptedEventSource.CLOSED)
    expect(sse.isConnected.value).toBe(false)
  })

  it('falls back to the raw text when data is not JSON', () => {
    const { sse } = run<string>({ url: '/s' })
    ScriptedEventSource.latest.emit('message', 'plain words')
    expect(sse.data.value).toBe('plain words')
  })

  it('leaves network errors to the browser, counting the attempts', () => {
    const { sse } = run({ url: '/s' })
    const source = ScriptedEventSource.latest
    source.open()
    source.drop()
    source.drop()
    expect(sse.status.value).toBe('reconnecting')
    expect(sse.attempt.value).toBe(2)
    expect(ScriptedEventSource.instances).toHaveLength(1)
    source.open()
    expect(sse).toMatchObject({ status: { value: 'open' }, attempt: { value: 0 }, error: { value: null } })
  })

  it('reopens with backoff, reading the URL again, once the browser gave up', async () => {
    vi.useFakeTimers()
    let resumeId = '1-0'
    const onClosed = vi.fn(() => true)
    const { sse } = run({ url: () => `/s?lastEventId=${resumeId}`, onClosed })
    ScriptedEventSource.latest.open()
    resumeId = '7-3'
    ScriptedEventSource.latest.refuse()
    await nextTick()
    expect(onClosed).toHaveBeenCalledOnce()
    expect(sse.status.value).toBe('closed')
    expect(sse.error.value).toBe('the server refused the stream')
    await vi.advanceTimersByTimeAsync(1000)
    expect(ScriptedEventSource.instances).toHaveLength(2)
    expect(ScriptedEventSource.latest.url).toBe('/s?lastEventId=7-3')
    expect(sse.status.value).toBe('reconnecting')
  })

  it('stays closed when onClosed says so (e.g. the session is gone)', async () => {
    vi.useFakeTimers()
    run({ url: '/s', onClosed: async () => false })
    ScriptedEventSource.latest.refuse()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(ScriptedEventSource.instances).toHaveLength(1)
  })

  it('reopens when no heartbeat arrives for the idle timeout', async () => {
    vi.useFakeTimers()
    const { sse } = run({ url: '/s', idleTimeoutMs: 2000 })
    ScriptedEventSource.latest.open()
    await vi.advanceTimersByTimeAsync(1500)
    ScriptedEventSource.latest.emit('heartbeat', 1)
    await vi.advanceTimersByTimeAsync(1500)
    expect(ScriptedEventSource.instances).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(600)
    expect(ScriptedEventSource.instances).toHaveLength(2)
    expect(ScriptedEventSource.instances[0]!.readyState).toBe(ScriptedEventSource.CLOSED)
    expect(sse.error.value).toBe('no heartbeat for 2 s')
    expect(ScriptedEventSource.open).toHaveLength(1)
  })

  it('does not open when immediate is false, until asked', () => {
    const { sse } = run({ url: '/s', immediate: false })
    expect(ScriptedEventSource.instances).toHaveLength(0)
    expect(sse.status.value).toBe('idle')
    sse.open()
    expect(ScriptedEventSource.instances).toHaveLength(1)
  })

  it('reports an empty id for events that carried none, although the browser repeats the previous one', () => {
    const seen: string[] = []
    run({ url: '/s', events: ['alert'], onEvent: ({ name, id }) => seen.push(`${name}:${id}`) })
    const source = ScriptedEventSource.latest
    source.open()
    source.emit('alert', { n: 1 }, '5-0')
    source.emit('alert', { n: 2 })
    source.emit('heartbeat', 1)
    source.emit('alert', { n: 3 }, '5-1')
    // The browser's own reconnect keeps the buffer: the first id-less event after it too.
    source.drop()
    source.open()
    source.emit('alert', { n: 4 })
    source.emit('alert', { n: 5 }, '6-0')
    expect(source.lastEventId).toBe('6-0')
    expect(seen).toEqual(['alert:5-0', 'alert:', 'heartbeat:', 'alert:5-1', 'alert:', 'alert:6-0'])
  })

  it('calls an async url on every (re)connect, so each one can carry a fresh ticket', async () => {
    vi.useFakeTimers()
    let tickets = 0
    const { sse } = run({ url: async () => `/s?ticket=t${++tickets}` })
    await vi.advanceTimersByTimeAsync(0)
    expect(ScriptedEventSource.latest.url).toBe('/s?ticket=t1')
    ScriptedEventSource.latest.open()
    ScriptedEventSource.latest.refuse()
    await vi.advanceTimersByTimeAsync(1000)
    expect(ScriptedEventSource.latest.url).toBe('/s?ticket=t2')
    sse.reconnect()
    await vi.advanceTimersByTimeAsync(0)
    expect(ScriptedEventSource.instances.map(source => source.url)).toEqual(['/s?ticket=t1', '/s?ticket=t2', '/s?ticket=t3'])
    expect(ScriptedEventSource.open).toHaveLength(1)
  })

  describe('an explicit close wins over everything pending', () => {
    it('over the backoff timer', async () => {
      vi.useFakeTimers()
      const { sse } = run({ url: '/s' })
      ScriptedEventSource.latest.refuse()
      await vi.advanceTimersByTimeAsync(0)
      sse.close()
      await vi.advanceTimersByTimeAsync(60_000)
      expect(ScriptedEventSource.instances).toHaveLength(1)
      expect(sse.status.value).toBe('closed')
    })

    it('over an onClosed check still running', async () => {
      vi.useFakeTimers()
      let answer!: (keepTrying: boolean) => void
      const { sse } = run({ url: '/s', onClosed: () => new Promise<boolean>((resolve) => {
        answer = resolve
      }) })
      ScriptedEventSource.latest.refuse()
      sse.close()
      answer(true)
      await vi.advanceTimersByTimeAsync(60_000)
      expect(ScriptedEventSource.instances).toHaveLength(1)
      expect(ScriptedEventSource.open).toHaveLength(0)
    })

    it('over a URL lookup still running', async () => {
      let give!: (url: string) => void
      const { sse } = run({ url: () => new Promise<string>((resolve) => {
        give = resolve
      }) })
      sse.close()
      give('/s?ticket=late')
      await new Promise(resolve => setTimeout(resolve, 0))
      expect(ScriptedEventSource.instances).toHaveLength(0)
      expect(sse.status.value).toBe('closed')
    })

    it('over the idle watchdog', async () => {
      vi.useFakeTimers()
      const { sse } = run({ url: '/s', idleTimeoutMs: 1000 })
      ScriptedEventSource.latest.open()
      sse.close()
      await vi.advanceTimersByTimeAsync(10_000)
      expect(ScriptedEventSource.instances).toHaveLength(1)
      expect(ScriptedEventSource.open).toHaveLength(0)
    })
  })
})
