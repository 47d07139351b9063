import type { Alert, Health, LogLine, Metric } from '../../shared/events'
import type { Entry, Snapshot } from '../../shared/snapshot'
import type { Broker, BrokerMessage } from './broker/types'
import { compareEventIds, ORIGIN_ID } from './broker/event-id'
import type { Logger } from './logger'
import type { ReadLogWindow } from './log-window'
import { readLogWindow } from './log-window'

export interface SnapshotLimits {
  /** Recent alerts kept. */
  alerts: number
  /** Recent log lines kept. */
  logs: number
  /** How far back the warm-up reads the log. */
  windowMs: number
  /** Events per `range` page during the warm-up. */
  pageSize: number
  /** Most sources (metrics) and check×source pairs (health) kept; the least recently updated go first. */
  maxKeys: number
}

export const DEFAULT_SNAPSHOT_LIMITS: SnapshotLimits = {
  alerts: 100,
  logs: 200,
  windowMs: 30 * 60_000,
  pageSize: 1000,
  maxKeys: 500,
}

/** A list that keeps the newest `limit` items; trims in batches so appends stay O(1) amortised. */
class Recent<T> {
  private items: T[] = []
  constructor(private readonly limit: number) {}

  push(item: T): void {
    this.items.push(item)
    if (this.items.length >= this.limit * 2) this.items = this.items.slice(-this.limit)
  }

  newestFirst(): T[] {
    return this.items.slice(-this.limit).reverse()
  }
}

/** A map bounded in size: re-inserting moves a key to the end, the oldest key goes first. */
function setBounded<V>(map: Map<string, V>, key: string, value: V, limit: number): void {
  map.delete(key)
  map.set(key, value)
  if (map.size > limit) map.delete(map.keys().next().value!)
}

/**
 * This instance's picture of the dashboard, served to the SSR page: latest
 * metric per source, recent alerts and logs, latest health per check and
 * source, and the id of the last durable event applied.
 *
 * Messages are applied in the hub's order, which is log order for durable
 * events, so the state always equals "everything up to `lastEventId`". The
 * warm-up reads the last `windowMs` of the log; messages that arrive while it
 * runs are held and applied after it, skipping ids the log read already
 * covered, so there is no gap and no duplicate.
 */
export class SnapshotState {
  private readonly metrics = new Map<string, Metric>()
  private readonly health = new Map<string, Health>()
  private readonly alerts: Recent<Entry<Alert>>
  private readonly logs: Recent<Entry<LogLine>>
  private lastEventId: string | null = null
  private held: BrokerMessage[] | null = []
  private stopped = false
  private markReady!: () => void
  private readonly ready = new Promise<void>((resolve) => {
    this.markReady = resolve
  })

  constructor(
    private readonly broker: Pick<Broker, 'state' | 'range' | 'lastId'>,
    private readonly limits: SnapshotLimits,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    /** How the warm-up reads the log (shared with the instance's other readers at start). */
    private readonly readWindow: ReadLogWindow = (from, apply) => readLogWindow(broker, from, apply, limits.pageSize),
  ) {
    this.alerts = new Recent(limits.alerts)
    this.logs = new Recent(limits.logs)
  }

  /** Every message the hub sees goes through here (register before `warm`). */
  receive(message: BrokerMessage): void {
    if (this.held) this.held.push(message)
    else this.applyInOrder(message)
  }

  /** True once the log was read; until then the snapshot holds only what arrived live. */
  get complete(): boolean {
    return this.held === null
  }

  /** Resolves true once warm, or false after `timeoutMs` (the caller serves what there is). */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.complete) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      void this.ready.then(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  /**
   * Reads the recent log, retrying while the broker is away. Waits for the
   * broker to be ready first: a Redis broker delivers live events only from
   * the log position it saw when it subscribed, so reading the log before
   * that could leave a hole between the two.
   */
  async warm(retryMs = 1000): Promise<void> {
    for (let attempt = 0; !this.stopped && this.held; attempt++) {
      if (this.broker.state() !== 'ready') {
        await new Promise(resolve => setTimeout(resolve, 100))
        continue
      }
      try {
        await this.readLog()
        const held = this.held
        this.held = null
        for (const message of held) this.applyInOrder(message)
        this.markReady()
      }
      catch (error) {
        if (attempt % 10 === 0) this.logger.warn(`snapshot warm-up failed, retrying: ${(error as Error).message}`)
        await new Promise(resolve => setTimeout(resolve, retryMs))
      }
    }
  }

  stop(): void {
    this.stopped = true
  }

  snapshot(heartbeatMs: number): Snapshot {
    return {
      lastEventId: this.lastEventId,
      takenAt: new Date(this.now()).toISOString(),
      complete: this.complete,
      heartbeatMs,
      metrics: [...this.metrics.values()],
      alerts: this.alerts.newestFirst(),
      logs: this.logs.newestFirst(),
      health: [...this.health.values()],
    }
  }

  private async readLog(): Promise<void> {
    const target = await this.readWindow(`${Math.max(0, this.now() - this.limits.windowMs)}-0`, message => this.applyInOrder(message))
    // An empty log: the browser resumes from its start, so it misses
    // nothing that is published before its stream opens.
    if (target === ORIGIN_ID) {
      this.lastEventId ??= ORIGIN_ID
      return
    }
    // Everything up to `target` is now applied (or was older than the window).
    if (this.lastEventId === null || compareEventIds(target, this.lastEventId) > 0) this.lastEventId = target
  }

  private applyInOrder(message: BrokerMessage): void {
    if (message.id !== undefined) {
      if (this.lastEventId !== null && compareEventIds(message.id, this.lastEventId) <= 0) return
      this.lastEventId = message.id
    }
    this.apply(message)
  }

  private apply({ id, channel, json }: BrokerMessage): void {
    const data = JSON.parse(json) as unknown
    switch (channel) {
      case 'metrics': {
        const metric = data as Metric
        setBounded(this.metrics, metric.source, metric, this.limits.maxKeys)
        break
      }
      case 'health': {
        const health = data as Health
        setBounded(this.health, `${health.check}\n${health.source}`, health, this.limits.maxKeys)
        break
      }
      case 'alerts':
        this.alerts.push({ id, data: data as Alert })
        break
      case 'logs':
        this.logs.push({ id, data: data as LogLine })
        break
    }
  }
}

let current: SnapshotState | null = null

export function setSnapshotState(state: SnapshotState | null): void {
  current = state
}

/** The instance's snapshot state; available once the `snapshot` Nitro plugin ran. */
export function useSnapshotState(): SnapshotState {
  if (!current) throw new Error('snapshot state is not started (server/plugins/30.snapshot.ts)')
  return current
}
