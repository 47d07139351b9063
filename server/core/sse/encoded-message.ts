import { EVENT_NAMES } from '../../../shared/events'
import type { BrokerMessage } from '../broker/types'
import type { ClientFilter } from './filter'
import { projectMetric } from './filter'
import { encodeFrame } from './frame'
import { WireFrame } from './wire-frame'

/**
 * A message and the frames it goes out as: one per distinct metric
 * projection (one in all for other channels), each encoded on first use and
 * then shared by every client that wants it.
 */
export class EncodedMessage {
  private readonly frames = new Map<string, WireFrame>()
  private parsed: Record<string, unknown> | null = null

  constructor(readonly message: BrokerMessage) {}

  /** Metrics are conflated per source; other channels never are. */
  get conflationKey(): string | undefined {
    return this.message.channel === 'metrics' ? this.source : undefined
  }

  /** The producer's `source` (every validated payload has one). */
  get source(): string {
    return String(this.payload().source)
  }

  /** Rough memory held by this message and its frames, for bounding what is kept. */
  get approximateBytes(): number {
    return 3 * this.message.json.length + 64
  }

  frameFor(filter: ClientFilter): WireFrame {
    const projected = this.message.channel === 'metrics' && filter.metricFields !== null
    const key = projected ? filter.projectionKey : ''
    let frame = this.frames.get(key)
    if (!frame) {
      const data = projected ? JSON.stringify(projectMetric(this.payload(), filter.metricFields!)) : this.message.json
      frame = WireFrame.of(encodeFrame({ id: this.message.id, event: EVENT_NAMES[this.message.channel], data }))
      this.frames.set(key, frame)
    }
    return frame
  }

  private payload(): Record<string, unknown> {
    return this.parsed ??= JSON.parse(this.message.json) as Record<string, unknown>
  }
}
