import { describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createError } from 'h3'
import { registerEndpoint } from '@nuxt/test-utils/runtime'
import { effectScope } from 'vue'
import { useDashboardStore } from '~/stores/dashboard'
import { useDashboardStream } from '~/composables/useDashboardStream'
import { ScriptedEventSource } from './scripted-event-source'

const T0 = Date.parse('2026-05-01T12:00:00.000Z')
let signedIn = true
registerEndpoint('/api/snapshot', () => {
  if (!signedIn) throw createError({ statusCode: 401, statusMessage: 'Unauthorized' })
  return { lastEventId: `${T0}-1`, takenAt: new Date(T0).toISOString(), complete: true, heartbeatMs: 15_000, metrics: [], alerts: [], logs: [], health: [] }
})
registerEndpoint('/api/history', () => ({ channel: 'metrics', since: 0, until: `${T0}-1`, truncated: false, sources: {} }))

function dashboardStream() {
  return effectScope().run(() => useDashboardStream({ share: false }))!
}

describe('the dashboard stream without a session', () => {
  it('goes to /login when the stream is refused and the snapshot answers 401, and stops retrying', async () => {
    ScriptedEventSource.install()
    setActivePinia(createPinia())
    const store = useDashboardStore()
    const stream = dashboardStream()
    await stream.start()
    const router = useRouter()
    signedIn = false
    ScriptedEventSource.latest.refuse()
    await expect.poll(() => router.currentRoute.value.path).toBe('/login')
    expect(store.connection.status).toBe('closed')
    // A scheduled retry would have counted an attempt first.
    expect(store.connection.attempt).toBe(0)
    expect(ScriptedEventSource.instances).toHaveLength(1)
    stream.stop()
  })

  it('goes to /login when the browser cannot load the snapshot at all', async () => {
    ScriptedEventSource.install()
    setActivePinia(createPinia())
    await useRouter().replace('/')
    signedIn = false
    await dashboardStream().start()
    await expect.poll(() => useRouter().currentRoute.value.path).toBe('/login')
    expect(ScriptedEventSource.instances).toHaveLength(0)
  })
})
