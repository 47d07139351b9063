import { beforeEach, describe, expect, it } from 'vitest'
import { effectScope } from 'vue'
import { createPinia, setActivePinia } from 'pinia'
import { getQuery } from 'h3'
import { registerEndpoint } from '@nuxt/test-utils/runtime'
import type { Snapshot } from '#shared/snapshot'
import { encodeHistory } from '#shared/history'
import { MAX_ALERTS, useDashboardStore } from '~/stores/dashboard'
import { useDashboardStream } from '~/composables/useDashboardStream'
import { ScriptedEventSource } from './scripted-event-source'

const T0 = Date.parse('2026-05-01T12:00:00.000Z')

function snapshot(overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    lastEventId: `${T0}-4`,
    takenAt: new Date(T0).toISOString(),
    complete: true,
    heartbeatMs: 1000,
    metrics: [{ source: 'node-a', cpu: 31.5, memory: 40, rps: 12, activeConnections: 2, errorRate: 0, timestamp: new Date(T0 + 300).toISOString() }],
    alerts: [{ id: `${T0}-3`, data: { level: 'warning', message: 'from the snapshot', source: 'node-a', timestamp: new Date(T0 - 1000).toISOString() } }],
    logs: [],
    health: [{ check: 'event-loop', status: 'ok', latencyMs: 3, source: 'node-a', timestamp: new Date(T0 - 2000).toISOString() }],
    ...overrides,
  }
}

let served: Snapshot = snapshot()
let snapshotRequests = 0
/** While set, /api/snapshot answers only once it resolves. */
let snapshotGate: Promise<void> | null = null
registerEndpoint('/api/snapshot', async () => {
  snapshotRequests++
  await snapshotGate
  return served
})
const both = (a: number[]) => ({ cpu: a, memory: a, rps: a, activeConnections: a, errorRate: a })
/** When set, the fleet's answer comes in 20-second buckets (a large fleet) and `?source=` answers at 10 s. */
let wide = false
const historyRequests: Record<string, unknown>[] = []
registerEndpoint('/api/history', (event) => {
  const query = getQuery(event)
  historyRequests.push(query)
  if (wide && query.source) {
    // Up to the newest event, past the page's snapshot: two 10-second buckets, then an exact sample after the handoff.
    return encodeHistory({
      channel: 'metrics', until: `${T0 + 6000}-0`, bucketMs: 10_000, startBucket: T0 / 10_000 - 3, exactBucket: T0 / 10_000,
      sources: new Map([['node-a', { buckets: [T0 / 10_000 - 2, T0 / 10_000 - 1], extremes: both([1, 2, 3, 4]), exact: { t: [T0 + 5000], values: both([50]) } }]]),
    })
  }
  if (wide) {
    return encodeHistory({
      channel: 'metrics', until: served.lastEventId!, bucketMs: 20_000, startBucket: T0 / 20_000 - 2, exactBucket: T0 / 20_000,
      sources: new Map([['node-a', { buckets: [T0 / 20_000 - 1], extremes: both([1, 4]), exact: { t: [], values: both([]) } }]]),
    })
  }
  // One reduced bucket (T0-20 s to T0-10 s: a dip then a spike), then two exact samples.
  return encodeHistory({
    channel: 'metrics', until: served.lastEventId!, bucketMs: 10_000, startBucket: T0 / 10_000 - 3, exactBucket: T0 / 10_000 - 1,
    sources: new Map([['node-a', { buckets: [T0 / 10_000 - 2], extremes: both([3, 97]), exact: { t: [T0 - 2000, T0 - 1000], values: both([10, 20]) } }]]),
  })
})

function alert(message: string, level = 'info') {
  return { level, message, source: 'node-b', timestamp: new Date(T0).toISOString() }
}

/** The store and its stream, as pages/index.vue uses them (this tab on its own). */
function dashboard() {
  const store = useDashboardStore()
  const stream = effectScope().run(() => useDashboardStream({ share: false }))!
  return { store, stream }
}

describe('the dashboard store and its stream', () => {
  beforeEach(() => {
    ScriptedEventSource.install()
    setActivePinia(createPinia())
    served = snapshot()
    snapshotRequests = 0
    snapshotGate = null
  })

  it('opens one stream, with credentials, from the id the snapshot was taken at', async () => {
    const { store, stream } = dashboard()
    await store.loadSnapshot()
    await stream.start()
    await stream.start()
    expect(ScriptedEventSource.instances).toHaveLength(1)
    expect(ScriptedEventSource.latest.url).toBe(`/api/sse/dashboard?lastEventId=${T0}-4`)
    expect(ScriptedEventSource.latest.withCredentials).toBe(true)
    expect(store.metrics.get('node-a')!.data.cpu).toBe(31.5)
    expect(store.alerts.map(a => a.data.message)).toEqual(['from the snapshot'])
    // History fills the charts up to the snapshot (ten seconds of the reduced
    // bucket, its dip then its spike, and two exact samples); the stream continues from there.
    expect(store.chart().count('node-a')).toBe(13)
    const [times, cpu] = store.chart().aligned('cpu')
    const at = (ms: number) => cpu![times.indexOf(ms / 1000)]
    expect([at(T0 - 20_000), at(T0 - 15_000), at(T0 - 11_000), at(T0 - 1000), at(T0)]).toEqual([3, 97, 97, 20, 31.5])
    stream.stop()
    expect(ScriptedEventSource.open).toHaveLength(0)
  })

  it('a large fleet\'s wide history: a focused source is asked for once at full resolution, up to where the stream started', async () => {
    wide = true
    try {
      const { store, stream } = dashboard()
      await store.loadSnapshot()
      await stream.start()
      expect(store.historyBucketMs).toBe(20_000)
      const at = (ms: number) => {
        const [times, cpu] = store.chart().aligned('cpu')
        return cpu![times.indexOf(ms / 1000)]
      }
      expect([at(T0 - 20_000), at(T0 - 10_000)]).toEqual([1, 4])
      historyRequests.length = 0
      await store.loadSourceHistory(['node-a'])
      await store.loadSourceHistory(['node-a'])
      expect(historyRequests).toHaveLength(1)
      expect(historyRequests[0]!.source).toBe('node-a')
      expect([at(T0 - 20_000), at(T0 - 15_000), at(T0 - 10_000), at(T0 - 5000)]).toEqual([1, 2, 3, 4])
      // After the handoff the seconds are the stream's: the answer's newer sample is not taken.
      expect(store.chart().seconds().at(-1)).toBeLessThanOrEqual(T0 / 1000)
      stream.stop()
    }
    finally {
      wide = false
    }
  })

  it('applies events after the snapshot once, and drops what the snapshot already had', async () => {
    const { store, stream } = dashboard()
    await store.loadSnapshot()
    await stream.start()
    const source = ScriptedEventSource.latest
    source.open()
    source.emit('alert', alert('already in the snapshot'), `${T0}-3`)
    source.emit('alert', alert('new one'), `${T0}-5`)
    // Raw PUBLISH: no `id:`, so the browser reports the previous id with it.
    source.emit('alert', alert('live-only, no id'))
    source.emit('metric-update', { source: 'node-c', cpu: 7, memory: 1, rps: 1, activeConnections: 0, errorRate: 0, timestamp: new Date(T0).toISOString() })
    source.emit('metric-update', { source: 'node-b', cpu: 90, memory: 1, rps: 1, activeConnections: 0, errorRate: 0, timestamp: new Date(T0).toISOString() }, `${T0 + 1}-0`)
    // A new stream that starts before what the page has: the repeat is dropped.
    stream.reconnect()
    ScriptedEventSource.latest.open()
    ScriptedEventSource.latest.emit('alert', alert('new one'), `${T0}-5`)
    expect(store.alerts.map(a => a.data.message)).toEqual(['live-only, no id', 'new one', 'from the snapshot'])
    expect(store.lastEventId).toBe(`${T0 + 1}-0`)
    expect([...store.metrics.keys()].sort()).toEqual(['node-a', 'node-b', 'node-c'])
    stream.stop()
  })

  it('keeps the alert list bounded, newest first', async () => {
    const { store, stream } = dashboard()
    await store.loadSnapshot()
    await stream.start()
    for (let i = 0; i < MAX_ALERTS + 20; i++) ScriptedEventSource.latest.emit('alert', alert(`alert ${i}`), `${T0 + 10}-${i}`)
    expect(store.alerts).toHaveLength(MAX_ALERTS)
    expect(store.alerts[0]!.data.message).toBe(`alert ${MAX_ALERTS + 19}`)
    stream.stop()
  })

  it('on reset, reloads the snapshot and reopens the stream from its id', async () => {
    const { store, stream } = dashboard()
    await store.loadSnapshot()
    await stream.start()
    served = snapshot({ lastEventId: `${T0 + 60_000}-0`, alerts: [] })
    ScriptedEventSource.latest.emit('reset', { reason: 'expired' })
    await expect.poll(() => ScriptedEventSource.instances.length).toBe(2)
    expect(snapshotRequests).toBe(2)
    expect(ScriptedEventSource.latest.url).toBe(`/api/sse/dashboard?lastEventId=${T0 + 60_000}-0`)
    expect(ScriptedEventSource.open).toHaveLength(1)
    expect(store.alerts).toEqual([])
    stream.stop()
  })

  it('does not loop when the fresh snapshot offers the id that was just refused', async () => {
    const { store, stream } = dashboard()
    await store.loadSnapshot()
    await stream.start()
    ScriptedEventSource.latest.emit('reset', { reason: 'unknown-id' })
    await expect.poll(() => ScriptedEventSource.instances.length).toBe(2)
    expect(ScriptedEventSource.latest.url).toBe('/api/sse/dashboard')
    stream.stop()
  })

  it('starts from the snapshot endpoint in the browser when the page had none', async () => {
    const { stream } = dashboard()
    await stream.start()
    expect(snapshotRequests).toBe(1)
    expect(ScriptedEventSource.latest.url).toContain(`lastEventId=${T0}-4`)
    stream.stop()
  })

  describe('stays closed once stopped', () => {
    it('while a resync waits for the snapshot', async () => {
      const { stream } = dashboard()
      await stream.start()
      let answer!: () => void
      snapshotGate = new Promise((resolve) => {
        answer = resolve
      })
      ScriptedEventSource.latest.emit('reset', { reason: 'expired' })
      await expect.poll(() => snapshotRequests).toBe(2)
      stream.stop()
      answer()
      await new Promise(resolve => setTimeout(resolve, 100))
      expect(ScriptedEventSource.instances).toHaveLength(1)
      expect(ScriptedEventSource.open).toHaveLength(0)
    })

    it('while the access check after a refused stream is still out', async () => {
      const { stream } = dashboard()
      await stream.start()
      let answer!: () => void
      snapshotGate = new Promise((resolve) => {
        answer = resolve
      })
      ScriptedEventSource.latest.refuse()
      await expect.poll(() => snapshotRequests).toBe(2)
      stream.stop()
      answer()
      // Longer than the first backoff step (at most 1 s).
      await new Promise(resolve => setTimeout(resolve, 1200))
      expect(ScriptedEventSource.instances).toHaveLength(1)
      expect(ScriptedEventSource.open).toHaveLength(0)
    })

    it('while the page is still loading its first snapshot', async () => {
      const { store, stream } = dashboard()
      let answer!: () => void
      snapshotGate = new Promise((resolve) => {
        answer = resolve
      })
      const starting = stream.start()
      await expect.poll(() => snapshotRequests).toBe(1)
      stream.stop()
      answer()
      await starting
      expect(store.loaded).toBe(true)
      expect(ScriptedEventSource.instances).toHaveLength(0)
    })
  })
})
