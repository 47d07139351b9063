import type { ServerResponse } from 'node:http'
import type { Writable } from 'node:stream'
import type { ClientFilter } from './filter'
import type { WireFrame } from './wire-frame'
import { writeBatched } from './write-batch'

export type CloseReason = 'client-gone' | 'write-error' | 'slow' | 'shutdown'

export interface ConnectionEvents {
  /** A frame reached the socket buffer (not heartbeats or control frames). */
  delivered(count: number): void
  closed(connection: SseConnection, reason: CloseReason): void
}

interface Held { frame: WireFrame, id: string | undefined, conflationKey: string | undefined }

/**
 * One SSE client. Its queue is the socket's own write buffer, bounded in
 * bytes: while the socket is congested, metric frames are conflated (latest
 * per source wins) and every other frame is appended; a client whose backlog
 * stays past the bound is disconnected and resumes with `Last-Event-ID`.
 *
 * Once the response head is out, frames go straight to the socket as
 * pre-built HTTP chunks (see `WireFrame`), batched per tick (`writeBatched`);
 * the response object is used for its lifecycle and to end it.
 *
 * While the connection replays history, live frames are held back and
 * written after the replay, skipping ids the replay already sent.
 */
export class SseConnection {
  closed = false
  /** Where frames are written: the socket (the response itself if it has none, as in unit tests). */
  private readonly out: Writable
  /** Whether the response uses chunked transfer encoding (HTTP/1.1) or is close-delimited (HTTP/1.0). */
  private readonly chunked: boolean
  private replaying: Held[] | null = null
  private heldBytes = 0
  /** Set after a replay until the first live id past it (see `finishReplay`). */
  private isAfterReplay: ((id: string) => boolean) | null = null
  /** Conflated metric frames waiting for `drain`, in id order. */
  private conflated: Map<string, WireFrame> | null = null
  /**
   * Bytes the conflation map holds (frames and keys): part of the client's
   * queue bound, so a stalled client cannot grow it with one entry per source.
   */
  private conflatedBytes = 0
  private boundCheckPending = false
  /** A 'drain' listener is registered only while metrics wait for one (none per idle stream). */
  private awaitingDrain = false

  constructor(
    readonly res: ServerResponse,
    readonly filter: ClientFilter,
    private readonly maxQueueBytes: number,
    private readonly events: ConnectionEvents,
  ) {
    // Raw chunks may only follow the response head, and writeHead() alone
    // does not send it (flushing twice is harmless). A test double without
    // flushHeaders has no head.
    if (typeof res.flushHeaders === 'function') res.flushHeaders()
    // Without a socket (a pipelined response still waiting, or a test
    // double) frames go through the response, which does its own framing.
    this.out = res.socket ?? res
    this.chunked = res.socket ? res.chunkedEncoding === true : false
    res.on('close', () => this.close('client-gone'))
    res.on('error', () => this.close('write-error'))
  }

  /** Holds live frames until `finishReplay`. */
  beginReplay(): void {
    this.replaying = []
  }

  /** Writes a replayed frame; resolves when the socket can take more. */
  async writeReplayed(frame: WireFrame): Promise<void> {
    if (this.closed) return
    this.events.delivered(1)
    if (this.write(frame)) return
    await new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done)
        this.res.off('close', done)
        resolve()
      }
      this.out.on('drain', done)
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

  send(frame: WireFrame, conflationKey?: string, id?: string): void {
    if (this.closed) return
    if (this.replaying) {
      this.replaying.push({ frame, id, conflationKey })
      this.heldBytes += frame.byteLength
      if (this.heldBytes > this.maxQueueBytes) this.close('slow')
      return
    }
    if (id !== undefined && this.isAfterReplay) {
      if (!this.isAfterReplay(id)) return
      this.isAfterReplay = null
    }
    if (this.out.writableNeedDrain) {
      if (conflationKey !== undefined) {
        this.conflated ??= new Map()
        this.flushOnDrain()
        // Re-insert so the map stays in id order: the newest sample goes last.
        const previous = this.conflated.get(conflationKey)
        if (previous) this.conflatedBytes -= previous.byteLength + conflationKey.length
        this.conflated.delete(conflationKey)
        this.conflated.set(conflationKey, frame)
        this.conflatedBytes += frame.byteLength + conflationKey.length
        this.checkBound()
        return
      }
      // Order matters for resume: older conflated metrics go out first.
      this.flushConflated()
    }
    this.write(frame)
    this.events.delivered(1)
    this.checkBound()
  }

  /** Control frames (retry, reset, heartbeat): not counted, skipped while congested. */
  writeControl(frame: WireFrame, evenIfCongested = false): void {
    if (this.closed || (this.out.writableNeedDrain && !evenIfCongested)) return
    this.write(frame)
  }

  close(reason: CloseReason, finalFrame?: string): void {
    if (this.closed) return
    this.closed = true
    this.replaying = null
    this.conflated = null
    this.conflatedBytes = 0
    if (reason === 'shutdown') {
      this.res.end(finalFrame)
    }
    else if (!this.res.destroyed) {
      // A slow client's buffer is full: ending politely would wait for it.
      this.res.destroy()
    }
    this.events.closed(this, reason)
  }

  private write(frame: WireFrame): boolean {
    return writeBatched(this.out, frame.wire(this.chunked))
  }

  private flushOnDrain(): void {
    if (this.awaitingDrain) return
    this.awaitingDrain = true
    this.out.once('drain', () => {
      this.awaitingDrain = false
      this.flushConflated()
    })
  }

  private flushConflated(): void {
    const pending = this.conflated
    if (!pending || this.closed) return
    this.conflated = null
    this.conflatedBytes = 0
    for (const frame of pending.values()) {
      this.write(frame)
      this.events.delivered(1)
    }
    this.checkBound()
  }

  /**
   * Writes are corked until the end of the tick (`writeBatched`), so a burst
   * of events in one tick sits in `writableLength` even for a fast client.
   * The bound is therefore checked after the socket had its chance to take
   * the bytes: what is still queued then is what the client did not read.
   */
  private checkBound(): void {
    if (this.boundCheckPending || this.queuedBytes() <= this.maxQueueBytes) return
    this.boundCheckPending = true
    setImmediate(() => {
      this.boundCheckPending = false
      if (this.queuedBytes() > this.maxQueueBytes) this.close('slow')
    })
  }

  /** What waits for this client: the socket's buffer and the conflated metrics. */
  private queuedBytes(): number {
    return this.out.writableLength + this.conflatedBytes
  }
}
