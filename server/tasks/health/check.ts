import { usePulse } from '../../core/pulse'
import { collectHealth } from '../../core/sources/health-source'

export default defineTask({
  meta: { name: 'health:check', description: 'Publish broker round trip and event-loop lag (scheduled every 5 s)' },
  async run() {
    const pulse = usePulse()
    const checks = await collectHealth(pulse)
    // Not awaited: while the broker is down these wait in its bounded outbox.
    for (const check of checks) pulse.publisher.publish('health', check).catch(() => {})
    return { result: checks }
  },
})
