import type { ServerResponse } from 'node:http'
import type { ClientFilter } from './filter'

export type CloseReason = 'client-gone' | 'write-error' | 'slow' | 'shutdown'

export interface ConnectionEvents {
  /** A frame reached the socket buffer (not heartbeats or control frames). */
  delivered(count: number): void
  closed(connection: SseConnection, reason: CloseReason): void
}

interface Held { frame: Buffer, id: string | undefined, conflationKey: string | undefined }

/**
 * One SSE client. Its queue is the socket's own write buffer, bounded in
 * bytes: while the socket is congested, metric frames are conflated (latest
 * per source wins) and every other frame is appended; a client whose backlog
 * stays past the bound is disconnected and resumes with `Last-Event-ID`.
 *
 * While the connection replays history, live frames are held back and
 * written after the replay, skipping ids the replay already sent.
 */
export class SseConnection {
  closed = false
  private replaying: Held[] | null = null
  private heldBytes = 0
  /** Set after a replay until the first live id past it (see `finishReplay`). */
  private isAfterReplay: ((id: string) => boolean) | null = null
  /** Conflated metric frames waiting for `drain`, in id order. */
  private conflated: Map<string, Buffer> | null = null
  private boundCheckPending = false

  constructor(
    readonly res: ServerResponse,
    readonly filter: ClientFilter,
    private readonly maxQueueBytes: number,
    private readonly events: ConnectionEvents,
  ) {
    res.on('close', () => this.close('client-gone'))
    res.on('error', () => this.close('write-error'))
    res.on('drain', () => this.flushConflated())
  }

  /** Holds live frames until `finishReplay`. */
  beginReplay(): void {
    this.replaying = []
  }

  /** Writes a replayed frame; resolves when the socket can take more. */
  async writeReplayed(frame: Buffer): Promise<void> {
    if (this.closed) return
    this.events.delivered(1)
    if (this.res.write(frame)) return
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done)
        this.res.off('close', done)
        resolve()
      }
      this.res.on('drain', done)
      this.res.on('close', done)
    })
  }

  /**
   * Sends what arrived during the replay (ids after the replay only) and goes
   * live. The replay reads the log, which can be ahead of this instance's
   * live feed: an event the replay already sent may still arrive live after
   * this call, so live ids are checked too, until the first one past the
   * replay (live ids arrive in order).
   */
  finishReplay(isAfterReplay: (id: string) => boolean): void {
    const held = this.replaying ?? []
    this.replaying = null
    this.heldBytes = 0
    this.isAfterReplay = isAfterReplay
    for (const item of held) this.send(item.frame, item.conflationKey, item.id)
  }

  send(frame: Buffer, conflationKey?: string, id?: string): void {
    if (this.closed) return
    if (this.replaying) {
      this.replaying.push({ frame, id, conflationKey })
      this.heldBytes += frame.length
      if (this.heldBytes > this.maxQueueBytes) this.close('slow')
      return
    }
    if (id !== undefined && this.isAfterReplay) {
      if (!this.isAfterReplay(id)) return
      this.isAfterReplay = null
    }
    if (this.res.writableNeedDrain) {
      if (conflationKey !== undefined) {
        this.conflated ??= new Map()
        // Re-insert so the map stays in id order: the newest sample goes last.
        this.conflated.delete(conflationKey)
        this.conflated.set(conflationKey, frame)
        return
      }
      // Order matters for resume: older conflated metrics go out first.
      this.flushConflated()
    }
    this.res.write(frame)
    this.events.delivered(1)
    this.checkBound()
  }

  /** Control frames (retry, reset, heartbeat): not counted, skipped while congested. */
  writeControl(frame: Buffer | string, evenIfCongested = false): void {
    if (this.closed || (this.res.writableNeedDrain && !evenIfCongested)) return
    this.res.write(frame)
  }

  close(reason: CloseReason, finalFrame?: string): void {
    if (this.closed) return
    this.closed = true
    this.replaying = null
    this.conflated = null
    if (reason === 'shutdown') {
      this.res.end(finalFrame)
    }
    else if (!this.res.destroyed) {
      // A slow client's buffer is full: ending politely would wait for it.
      this.res.destroy()
    }
    this.events.closed(this, reason)
  }

  private flushConflated(): void {
    const pending = this.conflated
    if (!pending || this.closed) return
    this.conflated = null
    for (const frame of pending.values()) {
      this.res.write(frame)
      this.events.delivered(1)
    }
    this.checkBound()
  }

  /**
   * Node corks HTTP writes until the next tick, so a burst of events in one
   * tick sits in `writableLength` even for a fast client. The bound is
   * therefore checked after the socket had its chance to take the bytes:
   * what is still queued then is what the client did not read.
   */
  private checkBound(): void {
    if (this.boundCheckPending || this.res.writableLength <= this.maxQueueBytes) return
    this.boundCheckPending = true
    setImmediate(() => {
      this.boundCheckPending = false
      if (this.res.writableLength > this.maxQueueBytes) this.close('slow')
    })
  }
}
