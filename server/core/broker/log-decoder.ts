import type { Channel } from '../../../shared/events'
import { isChannel } from '../../../shared/events'
import { normalizeJson } from '../payload'
import type { BrokerMessage } from './types'
import { parseEventId } from './event-id'

/** A log entry as Redis answers it: `[id, [field, value, ...]]`. */
export type StreamEntry = [id: string, fields: string[]]

/**
 * Where a refused event came from and why, for the broker's count and log
 * line; `entryId` is set for log entries, which can be read again (replay,
 * history) and should be counted and logged once.
 */
export type DropInvalid = (where: string, why: string, entryId?: string) => void

function field(fields: string[], name: string): string {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === name) return fields[i + 1]!
  }
  return ''
}

/**
 * Turns log entries into messages. Entries may come from collectors calling
 * the publish function (or from anything with write access to the key), so
 * each is validated again; defaults derive from the id, so every instance,
 * live or replaying, produces the same bytes.
 *
 * Never throws: an entry that cannot be decoded, for whatever reason, is
 * reported to `dropInvalid` and skipped, so no single entry can hold a reader.
 * With `channels`, entries of other channels are skipped before any parsing.
 */
export function decodeEntries(entries: readonly StreamEntry[], dropInvalid: DropInvalid, channels?: ReadonlySet<Channel>): BrokerMessage[] {
  const out: BrokerMessage[] = []
  for (const entry of entries) {
    const channel = field(entry[1] ?? [], 'c')
    if (channels && isChannel(channel) && !channels.has(channel)) continue
    const message = decodeEntry(entry, channel, dropInvalid)
    if (message) out.push(message)
  }
  return out
}

function decodeEntry([id, fields]: StreamEntry, channel: string, dropInvalid: DropInvalid): BrokerMessage | null {
  try {
    const parsed = parseEventId(id)
    if (!parsed || !isChannel(channel)) {
      dropInvalid(`log entry ${String(id).slice(0, 40)}`, 'bad id or channel', String(id))
      return null
    }
    const normalized = normalizeJson(channel, field(fields, 'd'), { source: 'external', timeMs: parsed.ms })
    if (!normalized.ok) {
      dropInvalid(`log entry ${id}`, normalized.error, id)
      return null
    }
    return { id, channel, json: normalized.json }
  }
  catch (error) {
    dropInvalid(`log entry ${String(id).slice(0, 40)}`, `could not be decoded (${(error as Error)?.name ?? 'error'})`, String(id))
    return null
  }
}

/** A raw `PUBLISH` payload: live only, validated the same way. Never throws. */
export function decodeLive(channel: Channel, text: string, dropInvalid: DropInvalid, source: string = channel): BrokerMessage | null {
  try {
    const normalized = normalizeJson(channel, text, { source: 'external', timeMs: Date.now() })
    if (normalized.ok) return { channel, json: normalized.json }
    dropInvalid(`raw PUBLISH on ${source}`, normalized.error)
  }
  catch (error) {
    dropInvalid(`raw PUBLISH on ${source}`, `could not be decoded (${(error as Error)?.name ?? 'error'})`)
  }
  return null
}
