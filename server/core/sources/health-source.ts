import type { HealthInput } from '../../../shared/events'
import type { Pulse } from '../pulse'
import { EVENT_LOOP_RESOLUTION_MS } from '../pulse'

export const HEALTH_LIMITS = {
  brokerDegradedMs: 50,
  brokerTimeoutMs: 2000,
  loopDegradedMs: 100,
  loopDownMs: 1000,
}

class NoAnswer extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new NoAnswer()), ms)
    promise.then(resolve, reject).finally(() => clearTimeout(timer))
  })
}

/** What an operator reads on the dashboard: a sentence, not the client library's internal state. */
export function brokerDownDetail(error: unknown, kind: string): string {
  const store = kind === 'redis' ? 'Redis' : 'The broker'
  if (error instanceof NoAnswer) return `${store} did not answer within ${HEALTH_LIMITS.brokerTimeoutMs / 1000} s; events wait in this instance's outbox`
  return `${store} cannot be reached; this instance keeps reconnecting and events wait in its outbox`
}

/** Checks this instance's broker round trip and event-loop lag (p99 since the last check). */
export async function collectHealth(pulse: Pulse): Promise<HealthInput[]> {
  const source = pulse.config.instanceId
  const checks: HealthInput[] = []
  try {
    const latencyMs = Math.round(await withTimeout(pulse.broker.ping(), HEALTH_LIMITS.brokerTimeoutMs) * 100) / 100
    checks.push({
      check: `broker:${pulse.broker.kind}`,
      status: latencyMs > HEALTH_LIMITS.brokerDegradedMs ? 'degraded' : 'ok',
      latencyMs,
      source,
    })
  }
  catch (error) {
    checks.push({ check: `broker:${pulse.broker.kind}`, status: 'down', detail: brokerDownDetail(error, pulse.broker.kind), source })
  }
  const loop = pulse.eventLoopDelay
  const lagMs = Math.max(0, Math.round((loop.percentile(99) / 1e6 - EVENT_LOOP_RESOLUTION_MS) * 100) / 100)
  loop.reset()
  checks.push({
    check: 'event-loop',
    status: lagMs > HEALTH_LIMITS.loopDownMs ? 'down' : lagMs > HEALTH_LIMITS.loopDegradedMs ? 'degraded' : 'ok',
    latencyMs: lagMs,
    source,
  })
  return checks
}
