import type { MaybeRefOrGetter, Ref, ShallowRef } from 'vue'
import { ref, shallowRef, toValue } from 'vue'
import { tryOnScopeDispose } from '@vueuse/core'

export type SseStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface SseMessage<T> {
  /** SSE `event:` name (`message` when the frame had none). */
  name: string
  data: T
  /** `id:` of the frame; empty for events without one (heartbeats, live-only). */
  id: string
}

export interface UseSseOptions<T> {
  /** Stream URL. A getter is read again at every open, so it can carry a fresh resume id. */
  url: MaybeRefOrGetter<string>
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
  close: () => void
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

  function armWatchdog() {
    clearTimeout(watchdog)
    const idleMs = toValue(options.idleTimeoutMs) ?? 0
    if (idleMs > 0 && source) {
      watchdog = setTimeout(() => {
        error.value = `no heartbeat for ${Math.round(idleMs / 1000)} s`
        attempt.value++
        reopen()
      }, idleMs)
    }
  }

  function received() {
    lastMessageAt.value = Date.now()
    armWatchdog()
  }

  function onMessage(name: string, event: MessageEvent<string>) {
    received()
    const parsed = parse(event.data)
    // Heartbeats reach `onEvent` (their data is the server clock) but are not data.
    if (name !== 'heartbeat') {
      data.value = parsed
      eventCount.value++
    }
    options.onEvent?.({ name, data: parsed, id: event.lastEventId })
  }

  function open() {
    if (import.meta.server) return
    clearTimeout(retryTimer)
    source?.close()
    const es = new EventSource(toValue(options.url), { withCredentials })
    source = es
    status.value = attempt.value > 0 ? 'reconnecting' : 'connecting'
    es.onopen = () => {
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
      void gaveUp()
    }
    // Heartbeats always count as signs of life, even when not asked for.
    for (const name of new Set([...events, 'heartbeat'])) {
      es.addEventListener(name, event => onMessage(name, event as MessageEvent<string>))
    }
    armWatchdog()
  }

  async function gaveUp() {
    source?.close()
    source = null
    clearTimeout(watchdog)
    status.value = 'closed'
    error.value = 'the server refused the stream'
    const keepTrying = (await options.onClosed?.()) !== false
    if (!autoReconnect || !keepTrying || status.value !== 'closed') return
    const delay = Math.min(BACKOFF_MAX_MS, 1000 * 2 ** attempt.value) * (0.5 + Math.random() / 2)
    attempt.value++
    retryTimer = setTimeout(open, delay)
  }

  function reopen() {
    source?.close()
    source = null
    open()
  }

  function close() {
    clearTimeout(retryTimer)
    clearTimeout(watchdog)
    source?.close()
    source = null
    isConnected.value = false
    status.value = 'closed'
  }

  function reconnect() {
    attempt.value = 0
    error.value = null
    reopen()
  }

  if (immediate) open()
  tryOnScopeDispose(close)

  return { data, isConnected, status, error, eventCount, attempt, lastMessageAt, open, close, reconnect }
}
