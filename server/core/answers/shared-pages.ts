import { EncodedAnswer } from './shared-answers'
import type { AnswerCounts } from './shared-answers'

/** A rendered page as the renderer answered it, before per-request compression. */
export interface SharedPage {
  answer: EncodedAnswer
  headers: Record<string, string>
}

interface Entry {
  /** Resolves to the page, or null when its render could not be shared (the waiters then render themselves). */
  page: Promise<SharedPage | null>
  expiresAt: number
}

export interface PageClaim {
  /** Settles the claim with the rendered page (null: not shareable, e.g. not a 200). */
  settle(page: { html: string, headers: Record<string, string> } | null): void
}

/**
 * Server-rendered dashboard pages shared between viewers, like the JSON
 * answers: while one request renders a page, identical requests wait for it,
 * and for `ttlMs` after, they are served its bytes (compressed once per
 * coding) instead of rendering it again. At most `maxEntries` keys are held,
 * so odd query strings cannot grow memory. A page is at most `ttlMs` older
 * than a fresh render; the stream resumes from the snapshot id it carries,
 * so nothing is lost.
 */
export class SharedPages {
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly counts: AnswerCounts,
    private readonly ttlMs = 1000,
    private readonly maxEntries = 32,
    private readonly now: () => number = Date.now,
  ) {}

  /** The page in flight or fresh for `key`, if any (counted as shared). */
  lookup(key: string): Promise<SharedPage | null> | undefined {
    const entry = this.entries.get(key)
    if (!entry || entry.expiresAt <= this.now()) return undefined
    this.counts.shared++
    return entry.page
  }

  /** This request renders the page for `key`; others asking meanwhile wait for it. */
  claim(key: string): PageClaim {
    this.counts.computed++
    let resolve!: (page: SharedPage | null) => void
    const page = new Promise<SharedPage | null>(r => (resolve = r))
    const entry: Entry = { page, expiresAt: Number.POSITIVE_INFINITY }
    this.entries.delete(key)
    this.entries.set(key, entry)
    this.evict()
    let settled = false
    return {
      settle: (rendered) => {
        if (settled) return
        settled = true
        if (!rendered) {
          if (this.entries.get(key) === entry) this.entries.delete(key)
          resolve(null)
          return
        }
        entry.expiresAt = this.now() + this.ttlMs
        resolve({ answer: new EncodedAnswer(Buffer.from(rendered.html)), headers: rendered.headers })
      },
    }
  }

  private evict(): void {
    const now = this.now()
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key)
    }
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
  }
}
