import { computed } from 'vue'
import { useDashboardStore } from '../stores/dashboard'

export type ConnectionTone = 'ok' | 'warn' | 'critical'

/** The header's connection state in words. */
export function useConnection() {
  const store = useDashboardStore()
  const label = computed(() => {
    const { status, attempt, reason } = store.connection
    switch (status) {
      case 'open': return 'Connected'
      case 'reconnecting': return `Reconnecting… (attempt ${attempt})`
      case 'closed': return `Disconnected${reason ? ` — ${reason}` : ''}`
      default: return 'Connecting…'
    }
  })
  const tone = computed<ConnectionTone>(() => {
    const { status } = store.connection
    return status === 'open' ? 'ok' : status === 'closed' ? 'critical' : 'warn'
  })
  const sinceLastEvent = computed(() => (store.lastEventAt === null ? null : store.now - store.lastEventAt))
  return { label, tone, eventCount: computed(() => store.connection.eventCount), sinceLastEvent }
}
