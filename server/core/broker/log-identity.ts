import { compareEventIds, ORIGIN_ID } from './event-id'

/**
 * Is the log this instance reads still the log it was reading?
 *
 * Stream ids come from the primary that holds the stream: per stream they
 * only grow, but a log can be lost or replaced behind a connection that
 * merely reconnected:
 * - Redis restarted empty, or the log key was deleted: a new log begins. The
 *   publish function creates an epoch key (a random id) together with the
 *   log, so a new log has a new epoch, even after collectors appended to it.
 * - A failover promoted a replica that had not received the newest entries
 *   (or Redis restarted from an older file): the epoch is the same but the
 *   entry this instance read last is gone. Ids the old primary issued after
 *   the replica's last entry were never seen by the new primary, which may
 *   issue the same ids again for other events if its clock is behind the
 *   old primary's by more than the outage lasted.
 * Either way clients that received events of the lost log must start again
 * from a snapshot (`reset`), never continue as if nothing happened.
 */
export interface LogProbe {
  /** `run_id` of the Redis process that answered: changes on failover and restart. */
  runId: string
  /** The epoch key's value, null while no log exists yet. */
  epoch: string | null
  /** The stream's last generated id (survives trimming), null without a stream. */
  lastId: string | null
  /** The oldest retained entry, null when the stream is empty. */
  firstId: string | null
  /** Whether the entry the cursor points at still exists. */
  cursorPresent: boolean
}

export type LogVerdict
  = | { kind: 'same' }
    /** The epoch changed: a new log. Read it from the start. */
    | { kind: 'replaced' }
    /** Same epoch, but the log no longer has the cursor's entry: read after `resumeAfter`. */
    | { kind: 'tail-lost' }

/**
 * Compares what the instance knew (its epoch and the id it read last) with
 * a fresh probe of the log.
 */
export function judgeLog(known: { epoch: string | null, cursor: string }, probe: LogProbe): LogVerdict {
  if (known.epoch !== null && probe.epoch !== known.epoch) return { kind: 'replaced' }
  if (known.cursor === ORIGIN_ID || probe.cursorPresent) return { kind: 'same' }
  // An entry is gone. Trimming removes only from the front, so a missing
  // cursor at or after the oldest retained entry (or beyond the end) means
  // the newest entries were lost; before the oldest, the instance was just
  // away longer than the retention.
  if (probe.lastId === null || compareEventIds(probe.lastId, known.cursor) < 0) return { kind: 'tail-lost' }
  if (probe.firstId !== null && compareEventIds(known.cursor, probe.firstId) >= 0) return { kind: 'tail-lost' }
  return { kind: 'same' }
}

/**
 * Read-only probe, routed by its keys (log, epoch) to the primary that holds
 * the log in every deployment shape. ARGV[1]: the cursor id.
 */
export const PROBE_SCRIPT = `
local runId = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
local epoch = redis.call('GET', KEYS[2])
local lastId, firstId, present = false, false, 0
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then lastId = info[i + 1] end
    if info[i] == 'first-entry' and info[i + 1] then firstId = info[i + 1][1] end
  end
  if ARGV[1] ~= '0-0' then present = #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) end
end
return { runId, epoch, lastId, firstId, present }
`

export function parseProbe(reply: unknown): LogProbe {
  const [runId, epoch, lastId, firstId, present] = reply as [string, string | null, string | null, string | null, number]
  return { runId, epoch: epoch ?? null, lastId: lastId ?? null, firstId: firstId ?? null, cursorPresent: present > 0 }
}

/**
 * What one instance knows about the log it reads: the epoch it saw and the
 * Redis process that answered. `check` probes (at most once per `everyMs`
 * unless forced after an error) and says whether the reader may go on.
 */
export class LogGuard {
  private epoch: string | null = null
  private runId: string | null = null
  private checkedAt = -Infinity
  /** The Redis process holding the log changed (failover or restart). */
  primaryChanges = 0
  /** The log was found lost or replaced; clients were told to reset. */
  logResets = 0

  constructor(
    private readonly probe: (cursor: string) => Promise<LogProbe>,
    private readonly everyMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a probe is due (or `force`): call `check` then. */
  due(force = false): boolean {
    return force || this.now() - this.checkedAt >= this.everyMs
  }

  async check(cursor: string): Promise<LogVerdict> {
    const result = await this.probe(cursor)
    this.checkedAt = this.now()
    if (this.runId !== null && result.runId !== this.runId) this.primaryChanges++
    this.runId = result.runId
    const verdict = judgeLog({ epoch: this.epoch, cursor }, result)
    this.epoch = result.epoch
    if (verdict.kind !== 'same') this.logResets++
    return verdict
  }
}
