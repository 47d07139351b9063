import { beforeEach, describe, expect, it } from 'vitest'
import type { Pinia } from 'pinia'
import { mountSuspended, registerEndpoint } from '@nuxt/test-utils/runtime'
import { nextTick } from 'vue'
import type { Snapshot } from '#shared/snapshot'
import MetricCardView from '~/components/MetricCard.vue'
import LogTail from '~/components/LogTail.vue'
import AlertFeed from '~/components/AlertFeed.vue'
import MetricCards from '~/components/MetricCards.vue'
import DashboardPage from '~/pages/index.vue'
import FleetPanel from '~/components/FleetPanel.vue'
import HealthPanel from '~/components/HealthPanel.vue'
import { HEALTH_SHOWN } from '~/composables/useHealth'
import { useDashboardStore } from '~/stores/dashboard'
import type { MetricCard } from '~/composables/useMetrics'
import { metricSpec } from '~/utils/metric-levels'
import { ScriptedEventSource } from './scripted-event-source'

const T0 = Date.parse('2026-05-01T12:00:00.000Z')
const at = (ms: number) => new Date(ms).toISOString()

const SNAPSHOT: Snapshot = {
  lastEventId: `${T0}-9`,
  takenAt: at(T0),
  complete: true,
  heartbeatMs: 15_000,
  metrics: [
    { source: 'node-a', cpu: 85.25, memory: 40, rps: 100, activeConnections: 3, errorRate: 0.2, timestamp: at(T0 - 200) },
    { source: 'node-b', cpu: 12, memory: 50, rps: 50, activeConnections: 1, errorRate: 0, timestamp: at(T0 - 9000) },
  ],
  alerts: [{ id: `${T0}-1`, data: { level: 'critical', message: 'old critical, already known', source: 'node-a', timestamp: at(T0 - 5000) } }],
  logs: [{ id: `${T0}-2`, data: { level: 'info', message: 'service started', source: 'node-a', timestamp: at(T0 - 4000) } }],
  health: [{ check: 'broker:redis', status: 'degraded', latencyMs: 61.5, source: 'node-a', timestamp: at(T0 - 1000) }],
}
registerEndpoint('/api/snapshot', () => SNAPSHOT)
registerEndpoint('/api/history', () => ({ channel: 'metrics', since: 0, until: SNAPSHOT.lastEventId, truncated: false, sources: {} }))

/** The store the mounted components use: the test app's own Pinia, reset to the snapshot. */
function prepareStore() {
  const store = useDashboardStore(useNuxtApp().$pinia as Pinia)
  store.applySnapshot(SNAPSHOT, T0)
  return store
}

describe('dashboard components', () => {
  beforeEach(() => {
    ScriptedEventSource.install()
  })

  it('a metric card shows the tone in words, a row per source, and never passes a stale value as live', async () => {
    const card: MetricCard = {
      spec: metricSpec('cpu'),
      value: 85.25,
      tone: 'critical',
      aggregate: 'highest of 1 live source (1 stale left out)',
      stale: false,
      age: 200,
      rows: [
        { source: 'node-a', value: 85.25, tone: 'critical', stale: false, age: 200 },
        { source: 'node-b', value: 12, tone: 'ok', stale: true, age: 9000 },
      ],
      more: 0,
    }
    const wrapper = await mountSuspended(MetricCardView, { props: { card } })
    expect(wrapper.attributes('data-tone')).toBe('critical')
    expect(wrapper.find('[data-testid="cluster-value"]').text()).toBe('85.3%')
    expect(wrapper.text()).toContain('high')
    expect(wrapper.text()).toContain('highest of 1 live source (1 stale left out)')
    const rows = wrapper.findAll('li')
    expect(rows.map(row => row.text())).toEqual(['node-a85.3%', 'node-bstale — last sample 9 s ago'])
    expect(rows[1]!.text()).not.toContain('12')

    await wrapper.setProps({ card: { ...card, value: null, stale: true, age: 9000, rows: [card.rows[1]!] } })
    expect(wrapper.find('[data-testid="cluster-value"]').text()).toBe('—')
    expect(wrapper.text()).toContain('stale — last sample 9 s ago')
  })

  it('the page opens exactly one stream for all its components and reports the connection in words', async () => {
    const page = await mountSuspended(DashboardPage)
    await expect.poll(() => ScriptedEventSource.instances.length).toBe(1)
    const source = ScriptedEventSource.latest
    expect(source.url).toBe(`/api/sse/dashboard?lastEventId=${T0}-9`)
    const connection = () => page.find('[data-testid="connection"]').text()
    expect(connection()).toBe('Connecting…')
    source.open()
    await nextTick()
    expect(connection()).toBe('Connected')
    source.drop()
    await nextTick()
    expect(connection()).toBe('Reconnecting… (attempt 1)')
    source.open()
    source.emit('metric-update', { ...SNAPSHOT.metrics[0], cpu: 44.4, timestamp: at(Date.now()) }, `${T0}-10`)
    await nextTick()
    expect(page.find('[data-testid="card-cpu"]').text()).toContain('44.4%')
    expect(page.find('[data-testid="event-count"]').text()).toBe('1')
    expect(page.find('[data-testid="health"]').text()).toContain('degraded')
    expect(page.find('[data-testid="health"]').text()).toContain('62 ms')
    expect(ScriptedEventSource.instances).toHaveLength(1)
    page.unmount()
    expect(ScriptedEventSource.open).toHaveLength(0)
  })

  it('the health panel shows the problems first and counts the rest when a fleet reports its own checks', async () => {
    const store = useDashboardStore(useNuxtApp().$pinia as Pinia)
    const fleet = Array.from({ length: 40 }, (_, i): Snapshot['health'][number] => ({ check: 'disk', status: 'ok', latencyMs: 1, source: `host-${i + 1}`, timestamp: at(T0 - 1000) }))
    fleet[30] = { ...fleet[30]!, status: 'down' }
    fleet[8] = { ...fleet[8]!, status: 'degraded' }
    fleet[20] = { ...fleet[20]!, timestamp: at(T0 - 60_000) }
    store.applySnapshot({ ...SNAPSHOT, health: fleet }, T0)
    const panel = await mountSuspended(HealthPanel)
    const tiles = panel.findAll('li')
    expect(tiles).toHaveLength(HEALTH_SHOWN)
    expect(tiles.slice(0, 4).map(li => [li.attributes('data-status'), li.find('.meta').text().split(' ')[0]])).toEqual([
      ['down', 'host-31'], ['degraded', 'host-9'], ['stale', 'host-21'], ['ok', 'host-1'],
    ])
    expect(panel.find('[data-testid="health-more"]').text()).toBe(`+ ${40 - HEALTH_SHOWN} more: ${40 - HEALTH_SHOWN} ok`)
  })

  it('announces only critical alerts that arrive while the page is open', async () => {
    const store = prepareStore()
    const feed = await mountSuspended(AlertFeed)
    const announcer = () => feed.find('[data-testid="alert-announcer"]').text()
    expect(announcer()).toBe('')
    store.receive('alert', { level: 'warning', message: 'just a warning', source: 'node-a', timestamp: at(T0) }, `${T0}-20`)
    await nextTick()
    expect(announcer()).toBe('')
    store.receive('alert', { level: 'critical', message: 'db down', source: 'node-c', timestamp: at(T0) }, `${T0}-21`)
    await nextTick()
    expect(announcer()).toBe('Critical alert from node-c: db down')
    expect(feed.findAll('li').map(li => li.attributes('data-level'))).toEqual(['critical', 'warning', 'critical'])
  })

  it('the alert feed holds still while the reader scrolls down, and offers the new alerts', async () => {
    const store = prepareStore()
    const feed = await mountSuspended(AlertFeed)
    const list = feed.find('ol')
    list.element.scrollTop = 120
    await list.trigger('scroll')
    store.receive('alert', { level: 'info', message: 'arrived while reading', source: 'node-a', timestamp: at(T0) }, `${T0}-40`)
    await nextTick()
    expect(feed.findAll('li').map(li => li.find('.alert-message').text())).toEqual(['old critical, already known'])
    const more = feed.find('button.new-items')
    expect(more.text()).toBe('1 new')
    await more.trigger('click')
    expect(feed.findAll('li')[0]!.text()).toContain('arrived while reading')
  })

  it('keeps hostile source names as data and forgets sources silent for ten minutes', async () => {
    const store = prepareStore()
    store.applySnapshot({
      ...SNAPSHOT,
      metrics: [
        { ...SNAPSHOT.metrics[0]!, source: '__proto__' },
        { ...SNAPSHOT.metrics[1]!, source: 'scaled-down', timestamp: at(T0 - 11 * 60_000) },
      ],
    }, T0)
    expect([...store.metrics.keys()]).toEqual(['__proto__'])
    const card = await mountSuspended(MetricCards)
    expect(card.find('[data-testid="card-cpu"]').text()).toContain('__proto__')
  })

  it('the log tail holds still while paused, counts what arrives, and filters by level', async () => {
    const store = prepareStore()
    const tail = await mountSuspended(LogTail)
    const lines = () => tail.findAll('li').map(li => li.find('.log-message').text())
    expect(lines()).toEqual(['service started'])
    await tail.find('[data-testid="logs-pause"]').trigger('click')
    store.receive('log', { level: 'error', message: 'boom', source: 'node-a', timestamp: at(T0) }, `${T0}-30`)
    store.receive('log', { level: 'debug', message: 'noise', source: 'node-a', timestamp: at(T0) }, `${T0}-31`)
    await nextTick()
    expect(lines()).toEqual(['service started'])
    // The debug line is below the default level: only one new line counts.
    expect(tail.find('[data-testid="logs-new"]').text()).toContain('1 new line')
    await tail.find('[data-testid="logs-new"]').trigger('click')
    expect(lines()).toEqual(['boom', 'service started'])
    await tail.find('[data-testid="log-level"]').setValue('debug')
    expect(lines()).toEqual(['noise', 'boom', 'service started'])
    await tail.find('[data-testid="log-level"]').setValue('error')
    expect(lines()).toEqual(['boom'])
  })

  it('a fleet: tiles worst first in natural order, cards with the highest three and "N more"', async () => {
    const store = prepareStore()
    const calm = SNAPSHOT.metrics[0]!
    const fleet = Array.from({ length: 30 }, (_, i) => ({ ...calm, source: `host-${i + 1}`, cpu: 20, memory: 30, errorRate: 0, timestamp: at(T0 - 100) }))
    fleet[9] = { ...fleet[9]!, cpu: 95 } // host-10: critical
    fleet[1] = { ...fleet[1]!, memory: 75 } // host-2: warning
    fleet[20] = { ...fleet[20]!, timestamp: at(T0 - 8000) } // host-21: stale
    store.applySnapshot({ ...SNAPSHOT, metrics: fleet }, T0)
    const panel = await mountSuspended(FleetPanel)
    const tiles = panel.findAll('[data-testid="tile"]')
    expect(tiles).toHaveLength(30)
    expect(tiles.slice(0, 5).map(tile => `${tile.find('.tile-name').text()}:${tile.attributes('data-state')}`))
      .toEqual(['host-10:critical', 'host-2:warn', 'host-21:stale', 'host-1:ok', 'host-3:ok'])
    expect(panel.find('[data-testid="fleet-summary"]').text()).toBe('30 sources · 1 critical · 1 warning · 1 stale · 27 ok')
    // Every tile says in words what its colour says.
    expect(tiles[0]!.text()).toContain('critical')
    expect(tiles[2]!.text()).toMatch(/stale 8 s/)

    const cards = await mountSuspended(MetricCards)
    const cpu = cards.find('[data-testid="card-cpu"]')
    expect(cpu.findAll('li').map(li => li.find('.row-source').text())).toEqual(['host-10', 'host-1', 'host-2'])
    expect(cpu.find('[data-testid="rows-more"]').text()).toBe('+ 27 more sources')
  })
})
