/**
 * A stand-in for the browser's EventSource (happy-dom has none) that a test
 * drives by hand: `open()`, `emit()`, `drop()` (the browser will retry) and
 * `refuse()` (the browser gave up). The real EventSource is exercised by the
 * browser tests in tests/e2e/dashboard-*.test.ts.
 */
export class ScriptedEventSource extends EventTarget {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSED = 2
  static instances: ScriptedEventSource[] = []

  readyState = ScriptedEventSource.CONNECTING
  onopen: ((event: Event) => void) | null = null
  onerror: ((event: Event) => void) | null = null
  readonly withCredentials: boolean
  /** The last event id buffer: kept across events without `id:` and across the browser's own reconnects. */
  lastEventId = ''

  constructor(readonly url: string, init?: { withCredentials?: boolean }) {
    super()
    this.withCredentials = init?.withCredentials ?? false
    ScriptedEventSource.instances.push(this)
  }

  static get latest(): ScriptedEventSource {
    return ScriptedEventSource.instances.at(-1)!
  }

  /** Sources the code under test has not closed. */
  static get open(): ScriptedEventSource[] {
    return ScriptedEventSource.instances.filter(source => source.readyState !== ScriptedEventSource.CLOSED)
  }

  static install(): void {
    ScriptedEventSource.instances = []
    ;(globalThis as { EventSource?: unknown }).EventSource = ScriptedEventSource
  }

  open(): void {
    this.readyState = ScriptedEventSource.OPEN
    this.onopen?.(new Event('open'))
  }

  /**
   * Dispatches one event. `id` is the frame's `id:` field; without one the
   * event reports the previous id, as browsers do (HTML, "server-sent events").
   */
  emit(name: string, data: unknown, id?: string): void {
    if (id !== undefined) this.lastEventId = id
    const event = new MessageEvent(name, { data: typeof data === 'string' ? data : JSON.stringify(data), lastEventId: this.lastEventId })
    this.dispatchEvent(event)
  }

  /** Network error: the browser keeps the source and retries by itself. */
  drop(): void {
    this.readyState = ScriptedEventSource.CONNECTING
    this.onerror?.(new Event('error'))
  }

  /** HTTP error or wrong content type: the browser gives up. */
  refuse(): void {
    this.readyState = ScriptedEventSource.CLOSED
    this.onerror?.(new Event('error'))
  }

  close(): void {
    this.readyState = ScriptedEventSource.CLOSED
  }
}
