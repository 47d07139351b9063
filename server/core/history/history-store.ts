import type { Metric } from '../../../shared/events'
import { METRIC_FIELDS } from '../../../shared/channels'
import type { ReducedHistory } from '../../../shared/history'
import type { Broker, BrokerMessage } from '../broker/types'
import { ORIGIN_ID, parseEventId } from '../broker/event-id'
import type { Logger } from '../logger'
import type { ReadLogWindow } from '../log-window'
import { readLogWindow } from '../log-window'
import type { BufferShape } from './source-buffer'
import { SourceBuffer } from './source-buffer'
import type { HistoryPlan, HistorySample } from './reduction'
import { bucketOf, HistoryBuilder } from './reduction'

export interface HistoryStoreOptions extends BufferShape {
  /** The chart window: sources silent longer than this are forgotten. */
  windowMs: number
  /** Raw samples stay unfolded for this many buckets behind the newest, so answers can end at a recent id. */
  rawBuckets: number
  /** Most sources kept; the least recently updated goes first. */
  maxSources: number
  /** Events per `range` page while loading. */
  pageSize: number
}

/** Parses a durable metric event into a sample; null for anything else. */
export function metricSample(message: BrokerMessage): { source: string, idMs: number, idSeq: number, sample: HistorySample } | null {
  if (message.channel !== 'metrics' || message.id === undefined) return null
  const id = parseEventId(message.id)
  if (!id) return null
  const metric = JSON.parse(message.json) as Metric
  const values = METRIC_FIELDS.map(field => metric[field])
  return { source: metric.source, idMs: id.ms, idSeq: id.seq, sample: { idMs: id.ms, t: Date.parse(metric.timestamp), values } }
}

/**
 * This instance's chart history, kept in memory for every source: fed by
 * every durable metric the hub receives, loaded from the log once at start.
 * Memory is bounded by sources × window whatever the number of viewers
 * (see `bytesPerSource`).
 *
 * It answers exactly what the log would (`readHistoryFromLog` with the same
 * plan): per source, the samples folded into buckets so far, then its raw
 * samples up to `until`. It declines (null) when it cannot be exact — not
 * loaded yet, `until` beyond what it has seen or before what it already
 * folded, or a window that starts before what it holds — and the caller
 * reads the log instead.
 */
export class HistoryStore {
  private readonly sources = new Map<string, SourceBuffer>()
  private held: BrokerMessage[] | null = []
  private stopped = false
  /** Id of the newest durable event applied (any channel), as ms and seq. */
  private lastMs = -1
  private lastSeq = -1
  /** Newest sample id folded into a bucket: answers must end after it. */
  private foldedMs = -1
  private foldedSeq = -1
  /** Buckets from this one on hold every sample (the load read from its start). */
  private completeFromBucket = Number.POSITIVE_INFINITY
  private foldFrontier = Number.NEGATIVE_INFINITY
  private markReady: () => void = () => {}
  private ready = this.newReadyPromise()

  constructor(
    private readonly broker: Pick<Broker, 'state' | 'range' | 'lastId'>,
    private readonly options: HistoryStoreOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    /** How loads read the log (shared with the instance's other readers at start). */
    private readonly readWindow: ReadLogWindow = (from, apply) => readLogWindow(broker, from, apply, options.pageSize),
  ) {}

  get sourceCount(): number {
    return this.sources.size
  }

  get loaded(): boolean {
    return this.held === null
  }

  /** Every message the hub sees goes through here (register before `load`). */
  receive(message: BrokerMessage): void {
    if (this.held) this.held.push(message)
    else if (message.id !== undefined && !this.isAfterLast(message.id)) this.reload(message)
    else this.apply(message)
  }

  /**
   * The hub delivers each durable event once, in log order: an id that does
   * not move forward means the log was replaced. Start again from it.
   */
  private reload(first: BrokerMessage): void {
    this.logger.warn('the log went back: reloading chart history')
    this.sources.clear()
    this.lastMs = this.lastSeq = this.foldedMs = this.foldedSeq = -1
    this.foldFrontier = Number.NEGATIVE_INFINITY
    this.completeFromBucket = Number.POSITIVE_INFINITY
    this.held = [first]
    this.ready = this.newReadyPromise()
    void this.load()
  }

  private newReadyPromise(): Promise<void> {
    return new Promise((resolve) => {
      this.markReady = resolve
    })
  }

  /** Resolves true once loaded, or false after `timeoutMs`. */
  whenLoaded(timeoutMs: number): Promise<boolean> {
    if (this.loaded) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      void this.ready.then(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  /** Reads the window from the log once the broker is ready (retrying), then applies what arrived meanwhile. */
  async load(retryMs = 1000): Promise<void> {
    for (let attempt = 0; !this.stopped && this.held; attempt++) {
      if (this.broker.state() !== 'ready') {
        await new Promise(resolve => setTimeout(resolve, 100))
        continue
      }
      try {
        await this.readLog()
        const held = this.held
        this.held = null
        for (const message of held) this.apply(message)
        this.markReady()
      }
      catch (error) {
        if (attempt % 10 === 0) this.logger.warn(`chart history load failed, retrying: ${(error as Error).message}`)
        await new Promise(resolve => setTimeout(resolve, retryMs))
      }
    }
  }

  stop(): void {
    this.stopped = true
  }

  /** The answer for `plan` (of the sources in `only`, or all) from memory, or null when memory cannot be exact for it. */
  answer(plan: HistoryPlan, only?: ReadonlySet<string>): ReducedHistory | null {
    if (!this.loaded) return null
    const until = parseEventId(plan.until)
    if (!until) return null
    // Nothing up to `until` falls in the window (an empty or lost log).
    if (plan.startBucket > bucketOf(until.ms, plan.bucketMs)) return new HistoryBuilder(plan, only).result()
    if (until.ms > this.lastMs || (until.ms === this.lastMs && until.seq > this.lastSeq)) return null
    if (until.ms < this.foldedMs || (until.ms === this.foldedMs && until.seq <= this.foldedSeq)) return null
    if (bucketOf(this.foldedMs, plan.bucketMs) >= plan.exactBucket) return null
    if (plan.startBucket < plan.exactBucket && plan.startBucket < this.oldestWholeBucket()) return null
    const builder = new HistoryBuilder(plan, only)
    for (const name of only ?? this.sources.keys()) this.sources.get(name)?.addTo(builder, name, until.ms, until.seq)
    return builder.result()
  }

  /**
   * The oldest bucket memory holds in full: from the load's start, and no
   * older than the ring reaches (folding can reach the newest bucket when a
   * source's raw ring overflows).
   */
  private oldestWholeBucket(): number {
    return Math.max(this.completeFromBucket, bucketOf(this.lastMs, this.options.bucketMs) - this.options.buckets + 1)
  }

  private async readLog(): Promise<void> {
    const fromBucket = bucketOf(Math.max(0, this.now() - this.options.windowMs), this.options.bucketMs)
    this.completeFromBucket = fromBucket
    const target = await this.readWindow(`${fromBucket * this.options.bucketMs}-0`, message => this.apply(message))
    if (target !== ORIGIN_ID) this.advance(target)
  }

  private apply(message: BrokerMessage): void {
    if (message.id === undefined) return
    // Held live messages the log read already covered.
    if (!this.advance(message.id)) return
    const parsed = metricSample(message)
    if (!parsed) return
    const buffer = this.bufferOf(parsed.source)
    this.noteFolded(buffer.push(parsed.idMs, parsed.idSeq, parsed.sample))
    // Keep the last `rawBuckets` raw, fold older ones (every source: a quiet one must not hold old raw samples).
    const foldBefore = bucketOf(parsed.idMs, this.options.bucketMs) - this.options.rawBuckets
    if (foldBefore > this.foldFrontier) this.foldAll(foldBefore)
  }

  /**
   * Folds raw samples older than `bucket` in every source, and forgets
   * sources silent for longer than memory reaches back (the window and its
   * margin): nothing an answer can ask for is lost with them.
   */
  private foldAll(bucket: number): void {
    this.foldFrontier = bucket
    const reach = this.oldestWholeBucket()
    for (const [name, buffer] of this.sources) {
      if (bucketOf(buffer.lastIdMs, this.options.bucketMs) < reach) {
        this.sources.delete(name)
        continue
      }
      this.noteFolded(buffer.foldBefore(bucket))
    }
  }

  private isAfterLast(id: string): boolean {
    const parsed = parseEventId(id)
    return parsed !== null && (parsed.ms > this.lastMs || (parsed.ms === this.lastMs && parsed.seq > this.lastSeq))
  }

  /** Moves the newest applied id forward; false if `id` is not after it. */
  private advance(id: string): boolean {
    if (!this.isAfterLast(id)) return false
    const { ms, seq } = parseEventId(id)!
    this.lastMs = ms
    this.lastSeq = seq
    return true
  }

  private noteFolded(id: [number, number] | null): void {
    if (!id) return
    if (id[0] > this.foldedMs || (id[0] === this.foldedMs && id[1] > this.foldedSeq)) {
      this.foldedMs = id[0]
      this.foldedSeq = id[1]
    }
  }

  private bufferOf(source: string): SourceBuffer {
    let buffer = this.sources.get(source)
    if (buffer) return buffer
    if (this.sources.size >= this.options.maxSources) this.forgetLeastRecent()
    buffer = new SourceBuffer(this.options)
    this.sources.set(source, buffer)
    return buffer
  }

  /** Past the source cap (normally enforced at ingest already) the least recently updated source goes. */
  private forgetLeastRecent(): void {
    let oldest: string | null = null
    let oldestMs = Number.POSITIVE_INFINITY
    for (const [name, buffer] of this.sources) {
      if (buffer.lastIdMs < oldestMs) {
        oldest = name
        oldestMs = buffer.lastIdMs
      }
    }
    if (oldest !== null) this.sources.delete(oldest)
    this.logger.warn(`chart history keeps at most ${this.options.maxSources} sources: forgot the least recently updated`)
  }
}
