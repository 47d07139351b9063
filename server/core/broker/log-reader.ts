import type { Logger } from '../logger'
import type { BrokerMessage } from './types'
import type { Decoder, StreamEntry } from './log-decoder'
import { decodeEntries } from './log-decoder'
import { ORIGIN_ID } from './event-id'
import type { RedisConnection } from './redis-connection'

export interface LogReaderOptions {
  /** A connection used by nothing else: XREAD BLOCK holds it. */
  connection: RedisConnection
  logKey: string
  /** Longest wait for new entries before the loop asks again (and proves Redis answers). */
  blockMs: number
  /** Entries read per round trip. */
  batch: number
  consumer: (message: BrokerMessage) => void
  decoder: Decoder
  logger: Logger
  /**
   * Asked before a read whether the log is still the log the cursor belongs
   * to (`log-identity.ts`); answers the cursor to read after. `afterFailure`:
   * the previous read failed (a reconnect, perhaps to another primary).
   */
  checkLog?: (cursor: string, afterFailure: boolean) => Promise<string>
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/**
 * The one loop that brings durable events to this instance: it reads the log
 * from its cursor with a blocking `XREAD` and hands each entry to the
 * consumer, in log order, exactly once. The cursor is the id of the last
 * entry read, so after any outage the loop continues where it stopped, and
 * every entry moves it on (valid, invalid or undecodable alike).
 *
 * The block time is bounded: an idle log still answers every `blockMs`, which
 * is how the broker knows Redis is alive (`lastAnswerAt`). A read that gets no
 * answer in time drops the connection, so nothing piles up behind a Redis
 * that went silent.
 */
export class LogReader {
  private cursor: string | null = null
  private stopped = false
  private answeredAt = 0
  /**
   * Counts the reader connection's closes. Redis may have restarted behind a
   * close (with less of the log, or none): whatever a read brought across one
   * is dropped, and the log is checked before the next read from the same cursor.
   */
  private closes = 0
  private checkedAtCloses = 0

  constructor(private readonly options: LogReaderOptions) {
    options.connection.on('close', () => this.closes++)
  }

  /** `performance.now()` of the last answer from Redis (0: never). */
  get lastAnswerAt(): number {
    return this.answeredAt
  }

  start(): void {
    void this.run()
  }

  stop(): void {
    this.stopped = true
  }

  private async run(): Promise<void> {
    const { connection, logger } = this.options
    let failures = 0
    while (!this.stopped) {
      if (connection.status !== 'ready') {
        await sleep(50)
        continue
      }
      try {
        if (this.cursor === null) {
          this.cursor = await this.newestId()
          this.answeredAt = performance.now()
        }
        const closes = this.closes
        if (this.options.checkLog) this.cursor = await this.options.checkLog(this.cursor, failures > 0 || closes !== this.checkedAtCloses)
        this.checkedAtCloses = closes
        await this.readOnce()
        failures = 0
      }
      catch (error) {
        if (this.stopped) return
        if (failures++ === 0) logger.warn(`reading the log failed, retrying: ${(error as Error).message}`)
        // A read that timed out is still blocked in Redis: start on a fresh connection.
        if (/timed out/.test(String(error))) connection.disconnect(true)
        await sleep(Math.min(50 * failures, 500))
      }
    }
  }

  private async newestId(): Promise<string> {
    const newest = await this.options.connection.xrevrange(this.options.logKey, '+', '-', 'COUNT', 1) as StreamEntry[]
    return newest[0]?.[0] ?? ORIGIN_ID
  }

  private async readOnce(): Promise<void> {
    const { connection, logKey, blockMs, batch } = this.options
    const closes = this.closes
    const reply = await connection.call('XREAD', 'COUNT', batch, 'BLOCK', blockMs, 'STREAMS', logKey, this.cursor!) as [string, StreamEntry[]][] | null
    if (closes !== this.closes) return
    this.answeredAt = performance.now()
    const entries = reply?.[0]?.[1]
    if (!entries?.length) return
    // Past every entry read, decodable or not: none is ever read twice.
    this.cursor = entries[entries.length - 1]![0]
    for (const message of decodeEntries(entries, this.options.decoder)) this.deliver(message)
  }

  private deliver(message: BrokerMessage): void {
    try {
      this.options.consumer(message)
    }
    catch (error) {
      this.options.logger.error(`the consumer failed on event ${message.id}: ${(error as Error).message}`)
    }
  }
}
