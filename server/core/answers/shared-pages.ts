import { EncodedAnswer } from './shared-answers'
import type { AnswerCounts } from './shared-work'
import { SharedWork } from './shared-work'

/** A rendered page as the renderer answered it, before per-request compression. */
export interface SharedPage {
  answer: EncodedAnswer
  headers: Record<string, string>
}

export interface PageClaim {
  /** Settles the claim with the rendered page (null: not shareable, e.g. not a 200). */
  settle(page: { html: string, headers: Record<string, string> } | null): void
}

/**
 * Server-rendered dashboard pages shared between viewers, like the JSON
 * answers (`SharedWork`): while one request renders a page, identical
 * requests wait for it, and for `ttlMs` after, they are served its bytes
 * (compressed once per coding) instead of rendering it again. A page is at
 * most `ttlMs` older than a fresh render; the stream resumes from the
 * snapshot id it carries, so nothing is lost.
 */
export class SharedPages {
  private readonly work: SharedWork<SharedPage | null>

  constructor(counts: AnswerCounts, private readonly ttlMs = 1000, maxEntries = 32, now: () => number = Date.now) {
    this.work = new SharedWork(counts, maxEntries, now)
  }

  /** The page in flight or fresh for `key`, if any (counted as shared); null when its render could not be shared (the waiters then render themselves). */
  lookup(key: string): Promise<SharedPage | null> | undefined {
    return this.work.lookup(key)
  }

  /** This request renders the page for `key`; others asking meanwhile wait for it. */
  claim(key: string): PageClaim {
    let resolve!: (page: SharedPage | null) => void
    this.work.start(key, this.ttlMs, new Promise(r => (resolve = r)), page => page !== null)
    let settled = false
    return {
      settle: (rendered) => {
        if (settled) return
        settled = true
        resolve(rendered && { answer: new EncodedAnswer(Buffer.from(rendered.html)), headers: rendered.headers })
      },
    }
  }
}
