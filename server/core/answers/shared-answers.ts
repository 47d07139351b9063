import type { ContentCoding } from './encoding'
import { compress } from './encoding'
import type { AnswerCounts } from './shared-work'
import { SharedWork } from './shared-work'

/** One computed answer (JSON, or a page's HTML): its bytes and, once asked for, their compressed forms. */
export class EncodedAnswer {
  private readonly coded = new Map<ContentCoding, Promise<Buffer>>()

  constructor(readonly bytes: Buffer) {}

  /** The body for `coding` (null: the bytes themselves), compressed once however many viewers ask. */
  body(coding: ContentCoding | null): Promise<Buffer> {
    if (coding === null) return Promise.resolve(this.bytes)
    let body = this.coded.get(coding)
    if (!body) {
      body = compress(this.bytes, coding)
      this.coded.set(coding, body)
    }
    return body
  }
}

/**
 * Identical requests share one computation: while an answer is being
 * computed, and for `ttlMs` after, every request with the same key gets the
 * same encoded bytes. Failures are not kept. At most `maxEntries` keys are
 * held (oldest dropped first), so odd parameters cannot grow memory.
 */
export class SharedAnswers {
  private readonly work: SharedWork<EncodedAnswer>

  constructor(counts: AnswerCounts, maxEntries = 32, now: () => number = Date.now) {
    this.work = new SharedWork(counts, maxEntries, now)
  }

  /** Whether `get(key)` would be served without a computation (an answer in flight or fresh). */
  has(key: string): boolean {
    return this.work.has(key)
  }

  get(key: string, ttlMs: number, compute: () => Promise<unknown> | unknown): Promise<EncodedAnswer> {
    return this.work.lookup(key)
      ?? this.work.start(key, ttlMs, Promise.resolve().then(compute).then(value => new EncodedAnswer(Buffer.from(JSON.stringify(value)))))
  }
}
