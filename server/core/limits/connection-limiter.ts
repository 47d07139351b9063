export type AdmitVerdict
  = | { ok: true, release: () => void }
    | { ok: false, reason: 'instance-full' | 'client-full' }

/**
 * Counts open streams on this instance, in total and per client key. A slot
 * is taken before the first stream byte and given back exactly once, when the
 * response closes (whatever ended it).
 */
export class ConnectionLimiter {
  private total = 0
  private readonly perClient = new Map<string, number>()

  constructor(private readonly maxTotal: number, private readonly maxPerClient: number) {}

  get size(): number {
    return this.total
  }

  countFor(key: string): number {
    return this.perClient.get(key) ?? 0
  }

  admit(key: string): AdmitVerdict {
    if (this.total >= this.maxTotal) return { ok: false, reason: 'instance-full' }
    const current = this.perClient.get(key) ?? 0
    if (current >= this.maxPerClient) return { ok: false, reason: 'client-full' }
    this.total++
    this.perClient.set(key, current + 1)
    let released = false
    return {
      ok: true,
      release: () => {
        if (released) return
        released = true
        this.total--
        const left = (this.perClient.get(key) ?? 1) - 1
        if (left > 0) this.perClient.set(key, left)
        else this.perClient.delete(key)
      },
    }
  }
}
