/**
 * Outages of the broker as this instance saw them: when it last stopped
 * carrying events, for how long, and how many times. Sampled from the
 * broker's readiness, so `/health/sse` can say "down for 2.1 s" while it
 * lasts and "last outage: 2.4 s, recovered at ..." afterwards. The first
 * connection at start-up is not an outage.
 */
export interface OutageReport {
  /** Milliseconds the current outage has lasted, or null while up. */
  downForMs: number | null
  outages: number
  lastOutage: { startedAt: string, endedAt: string, durationMs: number } | null
}

export class AvailabilityTracker {
  private everUp = false
  private downSince: number | null = null
  private outages = 0
  private last: OutageReport['lastOutage'] = null

  constructor(private readonly now: () => number = Date.now) {}

  sample(up: boolean): void {
    const now = this.now()
    if (up) {
      if (this.downSince !== null) {
        this.last = { startedAt: new Date(this.downSince).toISOString(), endedAt: new Date(now).toISOString(), durationMs: now - this.downSince }
        this.downSince = null
      }
      this.everUp = true
    }
    else if (this.everUp && this.downSince === null) {
      this.downSince = now
      this.outages++
    }
  }

  report(): OutageReport {
    return {
      downForMs: this.downSince === null ? null : this.now() - this.downSince,
      outages: this.outages,
      lastOutage: this.last,
    }
  }
}
