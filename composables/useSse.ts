import type { MaybeRef, MaybeRefOrGetter, Ref, ShallowRef } from 'vue'
import { ref, shallowRef, toValue } from 'vue'
import { tryOnScopeDispose } from '@vueuse/core'

export type SseStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface SseMessage<T> {
  /** SSE `event:` name (`message` when the frame had none). */
  name: string
  data: T
  /**
   * `id:` of the frame; empty for events that carried none (heartbeats,
   * live-only events), although the browser reports the previous id for them.
   */
  id: string
}

/** A URL, or a function called again on every (re)connect (for example to fetch a fresh ticket). */
export type SseUrl = MaybeRef<string> | (() => string | Promise<string>)

export interface UseSseOptions<T> {
  /** Stream URL. A function is called again at every open, so it can carry a fresh resume id or ticket. */
  url: SseUrl
  /**
   * Event names to listen to.
   * @default ['message']
   */
  events?: string[]
  /**
   * Send cookies (cookie sessions; README, Security, option 1).
   * @default false
   */
  withCredentials?: boolean
  /**
   * Reopen, with backoff, once the browser gave up on the stream (an HTTP
   * error or a wrong content type). While the browser retries by itself
   * (network errors, server restarts) it is left alone: it honours `retry:`
   * and sends `Last-Event-ID`.
   * @default true
   */
  autoReconnect?: boolean
  /**
   * Open as soon as the composable runs (in the browser; never during SSR).
   * @default true
   */
  immediate?: boolean
  /**
   * Reopen when nothing (not even a heartbeat) arrived for this long; 0 turns
   * the watchdog off.
   * @default 0
   */
  idleTimeoutMs?: MaybeRefOrGetter<number>
  /** Every event, parsed, in arrival order, heartbeats included (`data` only keeps the latest). */
  onEvent?: (message: SseMessage<T>) => void
  /**
   * Called when the browser gave up on the stream, before any reconnect.
   * Resolve `false` to stay closed (for example after a 401 → login page).
   */
  onClosed?: () => boolean | undefined | Promise<boolean | undefined>
  /**
   * Turns `data:` text into `T`.
   * @default JSON.parse, falling back to the raw text
   */
  parse?: (raw: string) => T
}

export interface UseSseReturn<T> {
  data: ShallowRef<T | null>
  isConnected: Ref<boolean>
  status: Ref<SseStatus>
  /** Why the stream is not open, in words; null while it is. */
  error: Ref<string | null>
  /** Events received (heartbeats not counted). */
  eventCount: Ref<number>
  /** Reconnection attempts since the stream was last open. */
  attempt: Ref<number>
  /** Time of the last thing received (event or heartbeat), epoch ms. */
  lastMessageAt: Ref<number | null>
  open: () => void
  /** Closes for good: no pending retry, watchdog or URL lookup opens it again until `open()`. */
  close: () => void
  /** Closes and opens again at once (attempts counted from zero). */
  reconnect: () => void
}

const BACKOFF_MAX_MS = 15_000

function defaultParse<T>(raw: string): T {
  try {
    return JSON.parse(raw) as T
  }
  catch {
    return raw as unknown as T
  }
}

/**
 * An EventSource as reactive state, safe to call during
 * SSR (nothing opens on the server) and closed when its scope is disposed.
 */
export function useSse<T = unknown>(options: UseSseOptions<T>): UseSseReturn<T> {
  const {
    events = ['message'],
    withCredentials = false,
    autoReconnect = true,
    immediate = true,
    parse = defaultParse<T>,
  } = options
  const data = shallowRef<T | null>(null)
  const isConnected = ref(false)
  const status = ref<SseStatus>('idle')
  const error = ref<string | null>(null)
  const eventCount = ref(0)
  const attempt = ref(0)
  const lastMessageAt = ref<number | null>(null)

  let source: EventSource | null = null
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let watchdog: ReturnType<typeof setTimeout> | undefined
  // Every open() and close() starts a new generation; a timer, URL lookup or
  // onClosed answer that belongs to an older one does nothing.
  let generation = 0
  let explicitlyClosed = false

  /** When the stream was last heard from (or opened), for the watchdog. */
  let heardAt = 0

  /**
   * Reopens the stream once nothing was heard for the idle timeout. One timer
   * that looks at `heardAt` when it fires and waits on for the rest: resetting
   * a timer on each of hundreds of events a second costs the tab more than the events.
   */
  function armWatchdog(wait = toValue(options.idleTimeoutMs) ?? 0) {
    stopWatchdog()
    if (!(wait > 0) || !source) return
    watchdog = setTimeout(() => {
      watchdog = undefined
      const idleMs = toValue(options.idleTimeoutMs) ?? 0
      if (!(idleMs > 0)) return
      const quiet = Date.now() - heardAt
      if (quiet < idleMs) return armWatchdog(idleMs - quiet)
      error.value = `no heartbeat for ${Math.round(idleMs / 1000)} s`
      attempt.value++
      open()
    }, wait)
  }

  function stopWatchdog() {
    clearTimeout(watchdog)
    watchdog = undefined
  }

  function received() {
    heardAt = Date.now()
    lastMessageAt.value = heardAt
    if (watchdog === undefined) armWatchdog()
  }

  function listen(es: EventSource) {
    // The browser keeps its last event id across events without an `id:`
    // field (HTML, "server-sent events"), so such an event reports the id of
    // the event before it. Ids never repeat on one stream: an event whose id
    // equals the previous one's carried none.
    let previousId = ''
    const onMessage = (name: string, event: MessageEvent<string>) => {
      if (source !== es) return
      received()
      const carried = event.lastEventId !== previousId
      previousId = event.lastEventId
      const parsed = parse(event.data)
      // Heartbeats reach `onEvent` (their data is the server clock) but are not data.
      if (name !== 'heartbeat') {
        data.value = parsed
        eventCount.value++
      }
      options.onEvent?.({ name, data: parsed, id: carried ? event.lastEventId : '' })
    }
    // Heartbeats always count as signs of life, even when not asked for.
    for (const name of new Set([...events, 'heartbeat'])) {
      es.addEventListener(name, event => onMessage(name, event as MessageEvent<string>))
    }
  }

  function connect(url: string, mine: number) {
    if (mine !== generation) return
    const es = new EventSource(url, { withCredentials })
    source = es
    es.onopen = () => {
      if (source !== es) return
      status.value = 'open'
      isConnected.value = true
      error.value = null
      attempt.value = 0
      received()
    }
    es.onerror = () => {
      if (source !== es) return
      isConnected.value = false
      if (es.readyState === EventSource.CONNECTING) {
        // The browser retries by itself (honouring `retry:`, sending Last-Event-ID).
        attempt.value++
        status.value = 'reconnecting'
        error.value = 'connection lost'
        return
      }
      void gaveUp(es)
    }
    listen(es)
    heardAt = Date.now()
    armWatchdog()
  }

  function open() {
    if (import.meta.server) return
    const mine = ++generation
    explicitlyClosed = false
    clearTimeout(retryTimer)
    stopWatchdog()
    source?.close()
    source = null
    isConnected.value = false
    status.value = attempt.value > 0 ? 'reconnecting' : 'connecting'
    const url = typeof options.url === 'function' ? options.url() : toValue(options.url)
    if (typeof url === 'string') return connect(url, mine)
    url.then(
      resolved => connect(resolved, mine),
      (reason: unknown) => {
        if (mine !== generation) return
        error.value = `no stream address: ${(reason as Error)?.message ?? String(reason)}`
        scheduleRetry(mine)
      },
    )
  }

  async function gaveUp(es: EventSource) {
    es.close()
    source = null
    stopWatchdog()
    const mine = generation
    status.value = 'closed'
    error.value = 'the server refused the stream'
    const keepTrying = (await options.onClosed?.()) !== false
    if (!keepTrying) return
    scheduleRetry(mine)
  }

  function scheduleRetry(mine: number) {
    if (!autoReconnect || explicitlyClosed || mine !== generation) return
    status.value = 'closed'
    const delay = Math.min(BACKOFF_MAX_MS, 1000 * 2 ** attempt.value) * (0.5 + Math.random() / 2)
    attempt.value++
    retryTimer = setTimeout(() => {
      if (mine === generation && !explicitlyClosed) open()
    }, delay)
  }

  function close() {
    generation++
    explicitlyClosed = true
    clearTimeout(retryTimer)
    stopWatchdog()
    source?.close()
    source = null
    isConnected.value = false
    status.value = 'closed'
  }

  function reconnect() {
    attempt.value = 0
    error.value = null
    open()
  }

  if (immediate) open()
  tryOnScopeDispose(close)

  return { data, isConnected, status, error, eventCount, attempt, lastMessageAt, open, close, reconnect }
}
