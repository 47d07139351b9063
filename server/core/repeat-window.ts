export interface Repeated {
  key: string
  count: number
}

/**
 * Says whether a line is new or a repeat of one written within the last
 * `windowMs`. Repeats are counted instead of written; once a window ends its
 * count is handed to `onSummary` (from an unref'd timer that runs only while
 * repeats are pending), so "… (repeated 37×)" appears once per window.
 */
export class RepeatWindow {
  private readonly windows = new Map<string, { start: number, count: number }>()
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly windowMs: number,
    private readonly onSummary: (repeated: Repeated) => void,
    private readonly now: () => number = Date.now,
    /** Distinct lines remembered; past it the oldest are summarised and forgotten. */
    private readonly maxKeys = 1000,
  ) {}

  /** True when the line should be written now, false when it was counted as a repeat. */
  admit(key: string): boolean {
    const t = this.now()
    const window = this.windows.get(key)
    if (window && t - window.start < this.windowMs) {
      window.count++
      this.schedule()
      return false
    }
    if (window) this.end(key, window.count)
    this.windows.set(key, { start: t, count: 0 })
    if (this.windows.size > this.maxKeys) {
      const [oldest, state] = this.windows.entries().next().value!
      this.end(oldest, state.count)
    }
    return true
  }

  /** Summarises every window that has ended (called by the timer; tests call it directly). */
  flush(): void {
    const t = this.now()
    for (const [key, window] of this.windows) {
      if (t - window.start >= this.windowMs) this.end(key, window.count)
    }
    if ([...this.windows.values()].some(window => window.count > 0)) this.schedule()
  }

  private end(key: string, count: number): void {
    this.windows.delete(key)
    if (count > 0) this.onSummary({ key, count })
  }

  private schedule(): void {
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.flush()
    }, this.windowMs)
    this.timer.unref?.()
  }
}
