import { randomUUID } from 'node:crypto'
import type { Channel } from '../../../shared/events'
import type { PublishOptions, PublishResult } from './types'
import { BrokerUnavailableError, isRefusal } from './errors'

/** One batch waiting to be appended. */
export interface Outgoing {
  channel: Channel
  jsons: string[]
  /** Always set: the caller's key, or one this instance made up. */
  idempotencyKey: string
  /** What "the same body" means for the key (empty: a hash of the events). */
  fingerprint: string
  /** Shorter memory for keys made up here (empty: the configured TTL). */
  ttlS: string
}

/** Appends one batch atomically; rejects with a refusal or a transport error. */
export type Append = (batch: Outgoing) => Promise<PublishResult>

interface Waiting extends Outgoing {
  /** `performance.now()` after which the caller stops waiting (Infinity: never). */
  deadline: number
  /** true once a send may have reached Redis (a later failure leaves the outcome unknown). */
  sent: boolean
  resolve(result: PublishResult): void
  reject(error: Error): void
}

export interface PublishQueueOptions {
  append: Append
  /** True while appends can be attempted (connected, function loaded). */
  canSend(): boolean
  /** Events that may wait before new publishes are refused. */
  limit: number
  /** Batches sent per round trip (pipelined, in order). */
  window?: number
  /** Told about the first failure of a run of failed sends (the batch stays queued). */
  onSendFailure?: (error: unknown) => void
}

/** Keys made up for this instance's own events need only outlive a resend. */
const OWN_KEY_TTL_S = '600'

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/**
 * The one ordered path from this instance into the log. Every publish waits
 * its turn here, so while anything is held back (an outage), later publishes
 * wait behind it and ids follow the order of the calls.
 *
 * Every batch carries an idempotency key: the caller's, or one made up here
 * (`<random>:<n>`, remembered for ten minutes). A send that fails without an
 * answer (a timeout: Redis may or may not have run it) is therefore resent
 * safely: if the first attempt was appended, the resend answers its ids and
 * appends nothing. Batches are pipelined on one connection, which Redis runs
 * in order, so a resend can never overtake an earlier batch.
 */
export class PublishQueue {
  private readonly waiting: Waiting[] = []
  private events = 0
  private draining = false
  private closed = false
  private readonly keyPrefix = randomUUID()
  private keySeq = 0

  constructor(private readonly options: PublishQueueOptions) {}

  get size(): number {
    return this.events
  }

  publish(channel: Channel, jsons: string[], options: PublishOptions = {}): Promise<PublishResult> {
    if (this.closed) return Promise.reject(new BrokerUnavailableError())
    if (this.events + jsons.length > this.options.limit) return Promise.reject(new BrokerUnavailableError(false, 'outbox full'))
    const own = options.idempotencyKey === undefined
    return new Promise((resolve, reject) => {
      this.waiting.push({
        channel,
        jsons,
        idempotencyKey: options.idempotencyKey ?? `${this.keyPrefix}:${++this.keySeq}`,
        fingerprint: options.fingerprint ?? '',
        ttlS: own ? OWN_KEY_TTL_S : '',
        deadline: options.waitMs === undefined ? Infinity : performance.now() + options.waitMs,
        sent: false,
        resolve,
        reject,
      })
      this.events += jsons.length
      this.kick()
    })
  }

  /** Call when sending may have become possible (a connection is ready). */
  kick(): void {
    if (this.draining || this.closed) return
    this.draining = true
    void this.drain().finally(() => {
      this.draining = false
      if (this.waiting.length && !this.closed) this.kick()
    })
  }

  close(): void {
    this.closed = true
    for (const batch of this.take(this.waiting.length)) batch.reject(new BrokerUnavailableError(batch.sent))
  }

  private async drain(): Promise<void> {
    let failures = 0
    while (this.waiting.length && !this.closed) {
      this.expire()
      if (!this.waiting.length) return
      if (!this.options.canSend()) {
        await sleep(50)
        continue
      }
      const chunk = this.waiting.slice(0, this.options.window ?? 64)
      const results = await Promise.allSettled(chunk.map((batch) => {
        batch.sent = true
        return this.options.append(batch)
      }))
      if (this.closed) return
      let done = 0
      let transportFailure = false
      for (const [index, result] of results.entries()) {
        const batch = chunk[index]!
        if (result.status === 'fulfilled') batch.resolve(result.value)
        else if (isRefusal(result.reason)) batch.reject(result.reason as Error)
        else {
          // No answer: keep it (and what follows) for a resend under the same key.
          if (failures === 0) this.options.onSendFailure?.(result.reason)
          transportFailure = true
          break
        }
        done++
      }
      this.take(done)
      if (transportFailure) await sleep(Math.min(50 * ++failures, 500))
      else failures = 0
    }
  }

  /** Callers that stopped waiting get an answer; their batches leave the queue. */
  private expire(): void {
    const now = performance.now()
    for (let i = 0; i < this.waiting.length; i++) {
      const batch = this.waiting[i]!
      if (batch.deadline > now) continue
      this.waiting.splice(i--, 1)
      this.events -= batch.jsons.length
      batch.reject(new BrokerUnavailableError(batch.sent))
    }
  }

  private take(count: number): Waiting[] {
    const taken = this.waiting.splice(0, count)
    for (const batch of taken) this.events -= batch.jsons.length
    return taken
  }
}
