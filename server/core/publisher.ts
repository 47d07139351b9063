import type { Channel, InputOf } from '../../shared/events'
import type { Broker } from './broker/types'
import type { Counters } from './counters'
import { normalizePayload } from './payload'

export type PublishResult = { ok: true, id: string } | { ok: false, error: string }

/**
 * The one way events enter the log from this instance: validates and fills
 * defaults (this instance's id as `source`), then publishes durably.
 */
export class Publisher {
  constructor(
    private readonly broker: Broker,
    private readonly counters: Counters,
    private readonly instanceId: string,
  ) {}

  /** Validates without publishing, so a batch is all-or-nothing. */
  prepare(channel: Channel, value: unknown): { ok: true, json: string } | { ok: false, error: string } {
    const normalized = normalizePayload(channel, value, { source: this.instanceId, timeMs: Date.now() })
    if (!normalized.ok) {
      this.counters.invalidDropped++
      return normalized
    }
    return { ok: true, json: normalized.json }
  }

  /** Publishes JSON that `prepare` produced. Rejects if the broker did not accept it. */
  async publishPrepared(channel: Channel, json: string): Promise<string> {
    const id = await this.broker.publish(channel, json)
    this.counters.eventsPublished++
    return id
  }

  async publish<C extends Channel>(channel: C, value: InputOf[C]): Promise<PublishResult> {
    const prepared = this.prepare(channel, value)
    if (!prepared.ok) return prepared
    return { ok: true, id: await this.publishPrepared(channel, prepared.json) }
  }
}
