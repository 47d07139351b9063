import type { Counters } from './counters'
import type { Logger } from './logger'

export interface SourceAdmissionOptions {
  /** Distinct sources tracked at most (`NUXT_MAX_SOURCES`). */
  maxSources: number
  /** A source silent this long is forgotten and frees its slot (the log's retention). */
  forgetAfterMs: number
  now?: () => number
}

/**
 * The distinct `source` names this instance tracks, at most `maxSources`.
 * Every per-source structure downstream (snapshot, chart history, alert
 * rules, stream conflation) sees only admitted sources, so none of them grows
 * with the names producers choose. Known sources are always admitted; a new
 * one only while there is room, after forgetting sources silent for longer
 * than `forgetAfterMs`.
 */
export class SourceAdmission {
  /** Source → last seen (ms), least recently seen first. */
  private readonly lastSeen = new Map<string, number>()
  private readonly now: () => number

  constructor(private readonly options: SourceAdmissionOptions) {
    this.now = options.now ?? Date.now
  }

  get size(): number {
    return this.lastSeen.size
  }

  get limit(): number {
    return this.options.maxSources
  }

  /** Records that `source` spoke; false when it is new and there is no room. */
  admit(source: string): boolean {
    const t = this.now()
    if (this.lastSeen.delete(source)) {
      this.lastSeen.set(source, t)
      return true
    }
    if (this.lastSeen.size >= this.options.maxSources) this.forgetSilent(t)
    if (this.lastSeen.size >= this.options.maxSources) return false
    this.lastSeen.set(source, t)
    return true
  }

  private forgetSilent(t: number): void {
    for (const [source, seen] of this.lastSeen) {
      if (t - seen < this.options.forgetAfterMs) break
      this.lastSeen.delete(source)
    }
  }
}

/** Admits a message's source, counting and logging a refusal (the source's name is not logged: a producer chose it). */
export type SourceGate = (source: string) => boolean

export function createSourceGate(admission: SourceAdmission, counters: Pick<Counters, 'sourcesRefused'>, logger: Logger): SourceGate {
  return (source) => {
    if (admission.admit(source)) return true
    counters.sourcesRefused++
    logger.warn(`refused an event of a new source: this instance already tracks NUXT_MAX_SOURCES (${admission.limit}) sources`)
    return false
  }
}
