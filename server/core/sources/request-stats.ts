/**
 * Counts finished HTTP requests and 5xx answers between two samples, so the
 * metrics task reports requests/s and error rate from real traffic.
 */
export class RequestStats {
  private requests = 0
  private errors = 0
  private since: number

  constructor(private readonly now: () => number = Date.now) {
    this.since = now()
  }

  record(statusCode: number): void {
    this.requests++
    if (statusCode >= 500) this.errors++
  }

  /** Rates since the previous call; resets the window. */
  take(): { rps: number, errorRate: number, requests: number } {
    const at = this.now()
    const seconds = Math.max(0.001, (at - this.since) / 1000)
    const rps = Math.round((this.requests / seconds) * 10) / 10
    const errorRate = this.requests ? Math.round((this.errors / this.requests) * 10000) / 100 : 0
    const requests = this.requests
    this.requests = 0
    this.errors = 0
    this.since = at
    return { rps, errorRate, requests }
  }
}
