import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { registerEndpoint } from '@nuxt/test-utils/runtime'
import type { Snapshot } from '#shared/snapshot'
import { MAX_ALERTS, useDashboardStore } from '~/stores/dashboard'
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
registerEndpoint('/api/snapshot', () => {
  snapshotRequests++
  return served
})
registerEndpoint('/api/history', () => ({ channel: 'metrics', since: 0, until: served.lastEventId, truncated: false, sources: {
  'node-a': { t: [T0 - 2000, T0 - 1000], cpu: [10, 20], memory: [1, 2], rps: [0, 0], activeConnections: [0, 0], errorRate: [0, 0] },
} }))

function alert(message: string, level = 'info') {
  return { level, message, source: 'node-b', timestamp: new Date(T0).toISOString() }
}

describe('the dashboard store', () => {
  beforeEach(() => {
    ScriptedEventSource.install()
    setActivePinia(createPinia())
    served = snapshot()
    snapshotRequests = 0
  })

  it('opens one stream, with credentials, from the id the snapshot was taken at', async () => {
    const store = useDashboardStore()
    await store.loadSnapshot()
    await store.start()
    await store.start()
    expect(ScriptedEventSource.instances).toHaveLength(1)
    expect(ScriptedEventSource.latest.url).toBe(`/api/sse/dashboard?lastEventId=${T0}-4`)
    expect(ScriptedEventSource.latest.withCredentials).toBe(true)
    expect(store.metrics.get('node-a')!.data.cpu).toBe(31.5)
    expect(store.alerts.map(a => a.data.message)).toEqual(['from the snapshot'])
    // History fills the charts up to the snapshot; the stream continues from there.
    expect(store.chartCount('node-a')).toBe(3)
    store.stop()
    expect(ScriptedEventSource.open).toHaveLength(0)
  })

  it('applies events after the snapshot once, and drops what the snapshot already had', async () => {
    const store = useDashboardStore()
    await store.loadSnapshot()
    await store.start()
    const source = ScriptedEventSource.latest
    source.open()
    source.emit('alert', alert('already in the snapshot'), `${T0}-3`)
    source.emit('alert', alert('new one'), `${T0}-5`)
    // Raw PUBLISH: no `id:`, so the browser reports the previous id with it.
    source.emit('alert', alert('live-only, no id'))
    source.emit('metric-update', { source: 'node-c', cpu: 7, memory: 1, rps: 1, activeConnections: 0, errorRate: 0, timestamp: new Date(T0).toISOString() })
    source.emit('metric-update', { source: 'node-b', cpu: 90, memory: 1, rps: 1, activeConnections: 0, errorRate: 0, timestamp: new Date(T0).toISOString() }, `${T0 + 1}-0`)
    // A new stream that starts before what the page has: the repeat is dropped.
    store.reconnect()
    ScriptedEventSource.latest.open()
    ScriptedEventSource.latest.emit('alert', alert('new one'), `${T0}-5`)
    expect(store.alerts.map(a => a.data.message)).toEqual(['live-only, no id', 'new one', 'from the snapshot'])
    expect(store.lastEventId).toBe(`${T0 + 1}-0`)
    expect([...store.metrics.keys()].sort()).toEqual(['node-a', 'node-b', 'node-c'])
    store.stop()
  })

  it('keeps the alert list bounded, newest first', async () => {
    const store = useDashboardStore()
    await store.loadSnapshot()
    await store.start()
    for (let i = 0; i < MAX_ALERTS + 20; i++) ScriptedEventSource.latest.emit('alert', alert(`alert ${i}`), `${T0 + 10}-${i}`)
    expect(store.alerts).toHaveLength(MAX_ALERTS)
    expect(store.alerts[0]!.data.message).toBe(`alert ${MAX_ALERTS + 19}`)
    store.stop()
  })

  it('on reset, reloads the snapshot and reopens the stream from its id', async () => {
    const store = useDashboardStore()
    await store.loadSnapshot()
    await store.start()
    served = snapshot({ lastEventId: `${T0 + 60_000}-0`, alerts: [] })
    ScriptedEventSource.latest.emit('reset', { reason: 'expired' })
    await expect.poll(() => ScriptedEventSource.instances.length).toBe(2)
    expect(snapshotRequests).toBe(2)
    expect(ScriptedEventSource.latest.url).toBe(`/api/sse/dashboard?lastEventId=${T0 + 60_000}-0`)
    expect(ScriptedEventSource.open).toHaveLength(1)
    expect(store.alerts).toEqual([])
    store.stop()
  })

  it('does not loop when the fresh snapshot offers the id that was just refused', async () => {
    const store = useDashboardStore()
    await store.loadSnapshot()
    await store.start()
    ScriptedEventSource.latest.emit('reset', { reason: 'unknown-id' })
    await expect.poll(() => ScriptedEventSource.instances.length).toBe(2)
    expect(ScriptedEventSource.latest.url).toBe('/api/sse/dashboard')
    store.stop()
  })

  it('starts from the snapshot endpoint in the browser when the page had none', async () => {
    const store = useDashboardStore()
    await store.start()
    expect(snapshotRequests).toBe(1)
    expect(ScriptedEventSource.latest.url).toContain(`lastEventId=${T0}-4`)
    store.stop()
  })
})
