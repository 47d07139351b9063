import type { ContentCoding } from './encoding'
import { compress } from './encoding'

/** One computed answer: its JSON bytes and, once asked for, their compressed forms. */
export class EncodedAnswer {
  private readonly coded = new Map<ContentCoding, Promise<Buffer>>()

  constructor(readonly json: Buffer) {}

  /** The body for `coding` (null: the JSON itself), compressed once however many viewers ask. */
  body(coding: ContentCoding | null): Promise<Buffer> {
    if (coding === null) return Promise.resolve(this.json)
    let body = this.coded.get(coding)
    if (!body) {
      body = compress(this.json, coding)
      this.coded.set(coding, body)
    }
    return body
  }
}

export interface AnswerCounts {
  /** Answers computed (each reads state or the log once and encodes it once). */
  computed: number
  /** Requests served by an answer another request computed (in flight or fresh). */
  shared: number
}

interface Entry {
  answer: Promise<EncodedAnswer>
  expiresAt: number
}

/**
 * Identical requests share one computation: while an answer is being
 * computed, and for `ttlMs` after, every request with the same key gets the
 * same encoded bytes. Failures are not kept. At most `maxEntries` keys are
 * held (oldest dropped first), so odd parameters cannot grow memory.
 */
export class SharedAnswers {
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly counts: AnswerCounts,
    private readonly maxEntries = 32,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `get(key)` would be served without a computation (an answer in flight or fresh). */
  has(key: string): boolean {
    const entry = this.entries.get(key)
    return entry !== undefined && entry.expiresAt > this.now()
  }

  get(key: string, ttlMs: number, compute: () => Promise<unknown> | unknown): Promise<EncodedAnswer> {
    const now = this.now()
    const entry = this.entries.get(key)
    if (entry && entry.expiresAt > now) {
      this.counts.shared++
      return entry.answer
    }
    this.counts.computed++
    const answer = Promise.resolve().then(compute).then(value => new EncodedAnswer(Buffer.from(JSON.stringify(value))))
    const fresh: Entry = { answer, expiresAt: Number.POSITIVE_INFINITY }
    this.entries.delete(key)
    this.entries.set(key, fresh)
    this.evict(now)
    // The time to live starts when the answer is ready; a failed one is forgotten at once.
    answer.then(
      () => {
        fresh.expiresAt = this.now() + ttlMs
      },
      () => {
        if (this.entries.get(key) === fresh) this.entries.delete(key)
      },
    )
    return answer
  }

  private evict(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key)
    }
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
  }
}
