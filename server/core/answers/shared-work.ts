export interface AnswerCounts {
  /** Answers computed (each reads state or the log once and encodes it once). */
  computed: number
  /** Requests served by an answer another request computed (in flight or fresh). */
  shared: number
}

interface Entry<T> {
  work: Promise<T>
  expiresAt: number
}

/**
 * Work shared by identical requests: while it runs, and for a time to live
 * after it settles, every request with the same key gets the same result.
 * Failed work, and results the caller does not keep, are forgotten at once.
 * At most `maxEntries` keys are held (oldest dropped first), so odd
 * parameters cannot grow memory.
 */
export class SharedWork<T> {
  private readonly entries = new Map<string, Entry<T>>()

  constructor(
    private readonly counts: AnswerCounts,
    private readonly maxEntries = 32,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `lookup(key)` would find work in flight or fresh (not counted). */
  has(key: string): boolean {
    const entry = this.entries.get(key)
    return entry !== undefined && entry.expiresAt > this.now()
  }

  /** The work in flight or fresh for `key`, if any (counted as shared). */
  lookup(key: string): Promise<T> | undefined {
    if (!this.has(key)) return undefined
    this.counts.shared++
    return this.entries.get(key)!.work
  }

  /**
   * `work` for `key` (counted as computed), shared while it runs and for
   * `ttlMs` after it settles with a value `keep` accepts.
   */
  start(key: string, ttlMs: number, work: Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    this.counts.computed++
    const entry: Entry<T> = { work, expiresAt: Number.POSITIVE_INFINITY }
    this.entries.delete(key)
    this.entries.set(key, entry)
    this.evict()
    const forget = () => {
      if (this.entries.get(key) === entry) this.entries.delete(key)
    }
    // The time to live starts when the work is done.
    work.then(
      (value) => {
        if (keep(value)) entry.expiresAt = this.now() + ttlMs
        else forget()
      },
      forget,
    )
    return work
  }

  private evict(): void {
    const now = this.now()
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key)
    }
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
  }
}
