/**
 * Pure SSE wire formatting (WHATWG HTML, "server-sent events"). Everything a
 * client receives goes through here, so this is where injection is stopped:
 * `id` and `event` cannot contain line breaks, and data is split on every
 * line ending so a payload can never start a second event.
 */
export interface SseFrame {
  id?: string
  event?: string
  data: string
  /** Reconnection delay hint in ms. */
  retry?: number
}

const LINE_BREAKS = /\r\n|\r|\n/
// NUL in an id makes browsers ignore the whole field; line breaks would end it.
const UNSAFE_FIELD_CHARS = /[\r\n\0]/g

export function sanitizeField(value: string): string {
  return value.replace(UNSAFE_FIELD_CHARS, '')
}

export function encodeFrame(frame: SseFrame): string {
  let out = ''
  if (frame.id !== undefined) out += `id: ${sanitizeField(frame.id)}\n`
  if (frame.event !== undefined) out += `event: ${sanitizeField(frame.event)}\n`
  if (frame.retry !== undefined) out += `retry: ${Math.max(0, Math.floor(frame.retry))}\n`
  for (const line of frame.data.split(LINE_BREAKS)) out += `data: ${line}\n`
  return `${out}\n`
}

/** A comment block (`: ...`), ignored by EventSource, kept by proxies as traffic. */
export function encodeComment(text: string): string {
  return `${text.split(LINE_BREAKS).map(line => `: ${line}\n`).join('')}\n`
}

export function encodeRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`
}

/**
 * The heartbeat: a comment line for proxies and idle timeouts, plus a small
 * `heartbeat` event (no id, so it never moves `Last-Event-ID`) that lets the
 * browser's watchdog see the connection is alive.
 */
export function encodeHeartbeat(now: number): string {
  return `: heartbeat\nevent: heartbeat\ndata: ${now}\n\n`
}
