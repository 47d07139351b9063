import type { PublishResult } from './types'
import { IdempotencyConflictError } from './errors'

interface Remembered { fingerprint: string, ids: string[], expiresAt: number }

/**
 * The embedded broker's idempotency keys: in memory, forgotten after the TTL
 * and bounded in count (the oldest goes first), so no producer can grow it
 * without limit.
 */
export class IdempotencyMemory {
  private readonly byKey = new Map<string, Remembered>()

  constructor(private readonly ttlMs: number, private readonly maxKeys: number, private readonly now: () => number = Date.now) {}

  /** The earlier result for this key and body, null if unseen; throws on another body. */
  recall(key: string, fingerprint: string): PublishResult | null {
    const seen = this.byKey.get(key)
    if (!seen || seen.expiresAt <= this.now()) return null
    if (seen.fingerprint !== fingerprint) throw new IdempotencyConflictError()
    return { ids: seen.ids, replayed: true }
  }

  remember(key: string, fingerprint: string, ids: string[], ttlMs = this.ttlMs): void {
    this.byKey.delete(key)
    this.byKey.set(key, { fingerprint, ids, expiresAt: this.now() + Math.min(ttlMs, this.ttlMs) })
    this.evict()
  }

  private evict(): void {
    const now = this.now()
    // Insertion order is close to expiry order: drop expired ones from the front, then any excess.
    for (const [key, entry] of this.byKey) {
      if (entry.expiresAt > now && this.byKey.size <= this.maxKeys) break
      this.byKey.delete(key)
    }
  }
}
