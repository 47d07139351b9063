import type { Channel, InputOf } from '../../shared/events'
import type { Broker, PublishOptions, PublishResult } from './broker/types'
import type { Counters } from './counters'
import { normalizePayload } from './payload'

export type PublishOutcome = { ok: true, id: string } | { ok: false, error: string }
export type BatchOutcome = ({ ok: true } & PublishResult) | { ok: false, error: string }
export type Prepared = { ok: true, json: string } | { ok: false, error: string }

/**
 * The one way events enter the log from this instance: validates and fills
 * defaults (this instance's id as `source`), then publishes durably through
 * the broker's ordered outbox.
 */
export class Publisher {
  constructor(
    private readonly broker: Broker,
    private readonly counters: Counters,
    private readonly instanceId: string,
  ) {}

  /** Validates without publishing, so a batch can be refused as a whole. */
  prepare(channel: Channel, value: unknown): Prepared {
    const normalized = normalizePayload(channel, value, { source: this.instanceId, timeMs: Date.now() })
    if (!normalized.ok) {
      this.counters.invalidDropped++
      return normalized
    }
    return { ok: true, json: normalized.json }
  }

  /**
   * Publishes JSON that `prepare` produced, atomically (all or none). Rejects
   * with one of the errors of `broker/errors.ts` if the broker did not accept it.
   */
  async publishPrepared(channel: Channel, jsons: string[], options?: PublishOptions): Promise<PublishResult> {
    const result = await this.broker.publishBatch(channel, jsons, options)
    if (!result.replayed) this.counters.eventsPublished += result.ids.length
    return result
  }

  async publish<C extends Channel>(channel: C, value: InputOf[C]): Promise<PublishOutcome> {
    const prepared = this.prepare(channel, value)
    if (!prepared.ok) return prepared
    return { ok: true, id: (await this.publishPrepared(channel, [prepared.json])).ids[0]! }
  }

  /** Several events of one channel: validated as a whole, then appended as one batch. */
  async publishBatch<C extends Channel>(channel: C, values: InputOf[C][], options?: PublishOptions): Promise<BatchOutcome> {
    const jsons: string[] = []
    for (const [index, value] of values.entries()) {
      const prepared = this.prepare(channel, value)
      if (!prepared.ok) return { ok: false, error: `event ${index}: ${prepared.error}` }
      jsons.push(prepared.json)
    }
    return { ok: true, ...await this.publishPrepared(channel, jsons, options) }
  }
}
