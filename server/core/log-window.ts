import type { Broker, BrokerMessage } from './broker/types'
import { compareEventIds, formatEventId, ORIGIN_ID, parseEventId } from './broker/event-id'

/**
 * Reads the log from `fromId` up to its newest entry, handing every message
 * to `apply` in log order; resolves with that newest id (`ORIGIN_ID` for an
 * empty log), up to which the caller has now seen everything.
 */
export type ReadLogWindow = (fromId: string, apply: (message: BrokerMessage) => void) => Promise<string>

type LogSource = Pick<Broker, 'range' | 'lastId'>

/** One read of the window, page by page. */
export async function readLogWindow(broker: LogSource, fromId: string, apply: (message: BrokerMessage) => void, pageSize: number): Promise<string> {
  const target = await broker.lastId()
  if (target === ORIGIN_ID) return target
  let from = fromId
  for (;;) {
    const page = await broker.range(from, target, pageSize)
    for (const message of page) apply(message)
    const last = page.at(-1)?.id
    // An empty page before `target` means the rest was dropped as invalid.
    if (!last || compareEventIds(last, target) >= 0) return target
    const { ms, seq } = parseEventId(last)!
    from = formatEventId({ ms, seq: seq + 1 })
  }
}

interface Reader {
  fromId: string
  apply: (message: BrokerMessage) => void
  resolve: (target: string) => void
  reject: (error: unknown) => void
}

/**
 * At start several parts of an instance load the same recent log (the
 * snapshot, the chart history, the alert rules' state). Reading and
 * validating it once for all of them, instead of once each, divides the
 * start-up work by their number (100 sources × 30 minutes is 180,000
 * entries). Reads asked for within `gatherMs` of each other share one pass
 * from the oldest `fromId`; each reader gets the messages from its own
 * `fromId` on. A later read, or one retried after a failure, makes its own pass.
 */
export class SharedLogWindow {
  private gathering: Reader[] | null = null

  constructor(
    private readonly broker: LogSource,
    private readonly pageSize: number,
    private readonly gatherMs = 250,
  ) {}

  readonly read: ReadLogWindow = (fromId, apply) => new Promise((resolve, reject) => {
    const reader = { fromId, apply, resolve, reject }
    if (this.gathering) {
      this.gathering.push(reader)
      return
    }
    const readers = [reader]
    this.gathering = readers
    setTimeout(() => {
      this.gathering = null
      void this.pass(readers)
    }, this.gatherMs)
  })

  private async pass(readers: Reader[]): Promise<void> {
    const fromId = readers.map(r => r.fromId).reduce((oldest, id) => compareEventIds(id, oldest) < 0 ? id : oldest)
    // A reader whose `apply` throws fails alone; the others read on.
    let live = readers
    try {
      const target = await readLogWindow(this.broker, fromId, (message) => {
        for (const reader of live) {
          if (message.id !== undefined && compareEventIds(message.id, reader.fromId) < 0) continue
          try {
            reader.apply(message)
          }
          catch (error) {
            reader.reject(error)
            live = live.filter(other => other !== reader)
          }
        }
      }, this.pageSize)
      for (const reader of live) reader.resolve(target)
    }
    catch (error) {
      for (const reader of live) reader.reject(error)
    }
  }
}
