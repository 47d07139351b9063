import type { HistoryBuilder, HistorySample } from './reduction'
import { bucketOf, FIELD_COUNT, foldExtremes } from './reduction'

export interface BufferShape {
  bucketMs: number
  /** Reduced buckets kept (a ring): the chart window plus a margin. */
  buckets: number
  /** Newest samples kept exactly (a ring), so an answer can stop at any recent id. */
  rawSamples: number
}

/** Doubles per raw sample: id ms, id sequence, sample time, then the fields. */
const RAW_STRIDE = 3 + FIELD_COUNT
/** Doubles per bucket: first and second extreme of each field. */
const BUCKET_STRIDE = 2 * FIELD_COUNT

/** Memory one source costs, in bytes (typed arrays only; the map entry and name come on top). */
export function bytesPerSource(shape: BufferShape): number {
  return shape.buckets * (1 + BUCKET_STRIDE) * 8 + shape.rawSamples * RAW_STRIDE * 8
}

/**
 * One source's chart history in fixed typed arrays: the newest samples
 * exactly (with their event ids, so an answer can end at any of them), and
 * older ones folded into per-bucket extremes. Samples arrive in log order.
 */
export class SourceBuffer {
  /** Absolute bucket number held by each ring slot (-1: empty). */
  private readonly bucketNumbers: Float64Array
  private readonly extremes: Float64Array
  private readonly raw: Float64Array
  private rawStart = 0
  private rawCount = 0
  /** Log time (id ms) of the newest sample. */
  lastIdMs = 0

  constructor(private readonly shape: BufferShape) {
    this.bucketNumbers = new Float64Array(shape.buckets).fill(-1)
    this.extremes = new Float64Array(shape.buckets * BUCKET_STRIDE)
    this.raw = new Float64Array(shape.rawSamples * RAW_STRIDE)
  }

  /**
   * Appends a sample. When the raw ring is full its oldest sample is folded
   * first; returns the id (ms, seq) of the sample folded, if any.
   */
  push(idMs: number, idSeq: number, sample: HistorySample): [number, number] | null {
    const folded = this.rawCount === this.shape.rawSamples ? this.foldOldest() : null
    const at = ((this.rawStart + this.rawCount) % this.shape.rawSamples) * RAW_STRIDE
    this.raw[at] = idMs
    this.raw[at + 1] = idSeq
    this.raw[at + 2] = sample.t
    for (let f = 0; f < FIELD_COUNT; f++) this.raw[at + 3 + f] = sample.values[f]!
    this.rawCount++
    this.lastIdMs = idMs
    return folded
  }

  /** Folds raw samples whose bucket is before `bucket`; returns the last folded id, if any. */
  foldBefore(bucket: number): [number, number] | null {
    let folded: [number, number] | null = null
    while (this.rawCount > 0 && bucketOf(this.raw[this.rawStart * RAW_STRIDE]!, this.shape.bucketMs) < bucket) {
      folded = this.foldOldest()
    }
    return folded
  }

  /** Contributes this source to an answer: folded buckets, then raw samples up to the id `(untilMs, untilSeq)`. */
  addTo(builder: HistoryBuilder, name: string, untilMs: number, untilSeq: number): void {
    const { startBucket, exactBucket } = builder.plan
    const from = Math.max(startBucket, exactBucket - this.shape.buckets)
    for (let bucket = from; bucket < exactBucket; bucket++) {
      const slot = bucket % this.shape.buckets
      if (this.bucketNumbers[slot] === bucket) builder.addFolded(name, bucket, this.extremes, slot * BUCKET_STRIDE)
    }
    const values = new Float64Array(FIELD_COUNT)
    for (let i = 0; i < this.rawCount; i++) {
      const at = ((this.rawStart + i) % this.shape.rawSamples) * RAW_STRIDE
      const idMs = this.raw[at]!
      if (idMs > untilMs || (idMs === untilMs && this.raw[at + 1]! > untilSeq)) break
      for (let f = 0; f < FIELD_COUNT; f++) values[f] = this.raw[at + 3 + f]!
      builder.add(name, { idMs, t: this.raw[at + 2]!, values })
    }
  }

  private foldOldest(): [number, number] {
    const at = this.rawStart * RAW_STRIDE
    const idMs = this.raw[at]!
    const bucket = bucketOf(idMs, this.shape.bucketMs)
    const slot = bucket % this.shape.buckets
    const base = slot * BUCKET_STRIDE
    if (this.bucketNumbers[slot] !== bucket) {
      // A new bucket takes the slot of one that left the window.
      this.bucketNumbers[slot] = bucket
      for (let f = 0; f < FIELD_COUNT; f++) {
        this.extremes[base + 2 * f] = this.raw[at + 3 + f]!
        this.extremes[base + 2 * f + 1] = this.raw[at + 3 + f]!
      }
    }
    else {
      for (let f = 0; f < FIELD_COUNT; f++) {
        const [first, second] = foldExtremes(this.extremes[base + 2 * f]!, this.extremes[base + 2 * f + 1]!, this.raw[at + 3 + f]!)
        this.extremes[base + 2 * f] = first
        this.extremes[base + 2 * f + 1] = second
      }
    }
    this.rawStart = (this.rawStart + 1) % this.shape.rawSamples
    this.rawCount--
    return [idMs, this.raw[at + 1]!]
  }
}
