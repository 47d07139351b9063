import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { PulseConfig } from './config'
import type { Broker } from './broker/types'
import { createBroker } from './broker/create-broker'
import { Hub } from './hub'
import { Publisher } from './publisher'
import type { Counters } from './counters'
import { createCounters } from './counters'
import { createLogger } from './logger'
import { RequestStats } from './sources/request-stats'
import { createSourceGate, SourceAdmission } from './source-admission'
import { SharedLogWindow } from './log-window'
import { AvailabilityTracker } from './availability'

/**
 * Sampling interval of the event-loop monitor. Node records the whole interval
 * between samples, so lag = recorded value - this.
 */
export const EVENT_LOOP_RESOLUTION_MS = 10

/** Entries per `range` page when the recent log is read at start (every channel). */
const LOG_WINDOW_PAGE = 2000

/** Everything one instance runs, created once by the `pulse` Nitro plugin. */
export interface Pulse {
  config: PulseConfig
  broker: Broker
  hub: Hub
  publisher: Publisher
  counters: Counters
  /** The distinct sources this instance tracks (`NUXT_MAX_SOURCES`). */
  sources: SourceAdmission
  requestStats: RequestStats
  /** The broker's outages as this instance saw them (`/health/sse`). */
  availability: AvailabilityTracker
  eventLoopDelay: ReturnType<typeof monitorEventLoopDelay>
  /** The recent log, read once at start for the snapshot, the chart history and the alert rules. */
  logWindow: SharedLogWindow
  startedAt: number
  close(): Promise<void>
}

export function createPulse(config: PulseConfig): Pulse {
  const counters = createCounters()
  const broker = createBroker(config, createLogger('broker'))
  // Sources silent for the log's whole retention have nothing left to show.
  const sources = new SourceAdmission({ maxSources: config.maxSources, forgetAfterMs: config.logMaxAgeMs })
  // This instance's own metrics take their slot first; producers cannot crowd them out.
  sources.admit(config.instanceId)
  const admitSource = createSourceGate(sources, counters, createLogger('sources'))
  const hub = new Hub(broker, {
    heartbeatMs: config.sseHeartbeatMs,
    retryMs: config.sseRetryMs,
    maxQueueBytes: config.sseMaxQueueBytes,
    retention: { maxAgeMs: config.logMaxAgeMs, maxEvents: config.logMaxEvents },
    admitSource,
  }, counters, createLogger('sse'))
  const eventLoopDelay = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS })
  const availability = new AvailabilityTracker()
  // Sampled often enough to time a failover to a quarter of a second.
  const sampler = setInterval(() => availability.sample(broker.state() === 'ready'), 250)
  sampler.unref()
  let closed = false
  return {
    config,
    broker,
    hub,
    publisher: new Publisher(broker, counters, config.instanceId, { maxBytes: config.eventMaxBytes, admitSource }),
    counters,
    sources,
    requestStats: new RequestStats(),
    availability,
    eventLoopDelay,
    logWindow: new SharedLogWindow(broker, LOG_WINDOW_PAGE),
    startedAt: Date.now(),
    async close() {
      if (closed) return
      closed = true
      clearInterval(sampler)
      hub.shutdown()
      eventLoopDelay.disable()
      await broker.close()
    },
  }
}

let current: Pulse | null = null

export function setPulse(pulse: Pulse | null): void {
  current = pulse
}

/** The instance's runtime; available to routes and tasks once the plugin ran. */
export function usePulse(): Pulse {
  if (!current) throw new Error('Pulseboard runtime is not started (server/plugins/pulse.ts)')
  return current
}
