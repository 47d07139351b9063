import type { MaybeRefOrGetter, Ref } from 'vue'
import { ref, toValue, watch } from 'vue'
import { tryOnScopeDispose } from '@vueuse/core'
import type { RelayedEvent, RelayMessage } from '../utils/tab-relay'
import { leavesGap, RelayLog, resumePoint, withResumeId } from '../utils/tab-relay'
import { isAfterEventId } from '../utils/event-order'
import { watchPageLife } from '../utils/page-life'
import type { SseMessage, SseStatus, SseUrl } from './useSse'
import { useSse } from './useSse'

/** `solo`: this tab streams on its own; `holder`: it streams for every tab; `follower`: it listens. */
export type StreamRole = 'solo' | 'holder' | 'follower'

export interface UseSharedSseOptions<T> {
  /** Stream URL without the resume id (a function is called on every (re)connect, e.g. for a ticket). */
  url: SseUrl
  /** Event names to listen to. */
  events: string[]
  /**
   * Send cookies.
   * @default false
   */
  withCredentials?: boolean
  /**
   * Name under which the tabs of this browser share one stream (Web Locks
   * elect the tab that holds it, BroadcastChannel relays its events); false,
   * or a browser without either, gives this tab a stream of its own.
   * @default false
   */
  share?: string | false
  /** The newest event id this tab has applied (its snapshot's at first); the stream resumes after it. */
  lastEventId: () => string | null
  /**
   * Nothing heard for this long: the stream (or the tab holding it) is gone.
   * @default 30000
   */
  idleTimeoutMs?: MaybeRefOrGetter<number>
  /** Every event in stream order, heartbeats included; ordering by id is the caller's. */
  onEvent: (message: SseMessage<T>) => void
  /** The browser gave up on the stream (see useSse). Resolve false to stay closed. */
  onClosed?: () => boolean | undefined | Promise<boolean | undefined>
  /** Events after `lastEventId` are gone from every tab's memory: reload the snapshot. */
  onGap?: () => void
}

export interface UseSharedSseReturn {
  role: Ref<StreamRole>
  status: Ref<SseStatus>
  attempt: Ref<number>
  error: Ref<string | null>
  /** Events received (heartbeats not counted). */
  eventCount: Ref<number>
  lastMessageAt: Ref<number | null>
  /** Joins (or opens) the stream. */
  open: () => void
  /** Leaves for good: gives the stream to another tab, nothing reopens it until `open()`. */
  close: () => void
  /** The holder (or this solo tab) stops its stream but keeps its role; `open()` starts it again. */
  suspend: () => void
  /** Reconnects now, resuming after the newest id. */
  reconnect: () => void
}

/** A follower waits this long for the holder's catch-up answer. */
const CATCH_UP_WAIT_MS = 1000
/** How often the holder tells the others it is alive. */
const STATUS_EVERY_MS = 1000
/**
 * The holder relays its stream's events in batches gathered over this long:
 * each message is cloned for every tab, and a fleet sends hundreds of events a
 * second. Short next to the once-a-second pace at which the view follows them.
 */
const RELAY_BATCH_MS = 100

function sharingSupported(): boolean {
  return typeof BroadcastChannel !== 'undefined' && typeof navigator !== 'undefined' && !!navigator.locks
}

/**
 * The dashboard's stream: one per browser when `share` is set (one tab holds
 * the EventSource, the others listen), one per tab otherwise. Either way it
 * reconnects at once when the page comes back (bfcache, online, visible,
 * awake) and the stream is stale, and steps aside while the page is frozen.
 */
export function useSharedSse<T = unknown>(options: UseSharedSseOptions<T>): UseSharedSseReturn {
  const role = ref<StreamRole>('solo')
  const status = ref<SseStatus>('idle')
  const attempt = ref(0)
  const error = ref<string | null>(null)
  const eventCount = ref(0)
  const lastMessageAt = ref<number | null>(null)
  const tabId = Math.random().toString(36).slice(2)
  const idleMs = () => toValue(options.idleTimeoutMs) ?? 30_000

  let wanted = false
  let joined = false
  let channel: BroadcastChannel | null = null
  let lockRequest: AbortController | null = null
  let releaseLock: (() => void) | null = null
  let stopPageLife: (() => void) | null = null
  let statusTimer: ReturnType<typeof setInterval> | undefined
  let silenceTimer: ReturnType<typeof setTimeout> | undefined
  let catchUp: { buffer: RelayedEvent[], timer: ReturnType<typeof setTimeout> } | null = null
  /** Holder: events not relayed yet, and the timer that relays them. */
  let outbox: RelayedEvent[] = []
  let outboxTimer: ReturnType<typeof setTimeout> | undefined
  /** Newest durable id relayed among the tabs. */
  let relayedNewest: string | null = null
  /** Holder: the durable id before the next event on its stream. */
  let streamPrev: string | null = null
  /** Holder: when it took the stream. */
  let holderSince = 0
  const log = new RelayLog()

  const sse = useSse<T>({
    url: streamUrl,
    events: options.events,
    withCredentials: options.withCredentials ?? false,
    immediate: false,
    idleTimeoutMs: idleMs,
    onEvent: fromStream,
    onClosed: () => options.onClosed?.(),
  })

  function streamUrl(): string | Promise<string> {
    const resumeId = resumePoint(options.lastEventId(), relayedNewest)
    streamPrev = resumeId
    const base = typeof options.url === 'function' ? options.url() : toValue(options.url)
    return typeof base === 'string' ? withResumeId(base, resumeId) : base.then(url => withResumeId(url, resumeId))
  }

  // The holder's (or solo tab's) own stream state is the tab's state.
  watch([sse.status, sse.attempt, sse.error], () => {
    if (role.value === 'follower') return
    status.value = sse.status.value
    attempt.value = sse.attempt.value
    error.value = sse.error.value
    if (role.value === 'holder') postStatus()
  }, { flush: 'sync' })

  function deliver(event: RelayedEvent) {
    lastMessageAt.value = Date.now()
    if (event.name !== 'heartbeat') eventCount.value++
    options.onEvent({ name: event.name, data: event.data as T, id: event.id })
  }

  function remember(event: RelayedEvent) {
    if (event.name === 'reset') {
      // Ids before a reset mean nothing any more.
      relayedNewest = null
      log.clear()
    }
    if (!event.id) return
    log.add(event)
    if (relayedNewest === null || isAfterEventId(event.id, relayedNewest)) relayedNewest = event.id
  }

  function fromStream(message: SseMessage<T>) {
    const event: RelayedEvent = { name: message.name, data: message.data, id: message.id, prev: message.id ? streamPrev : null }
    if (message.id) streamPrev = message.id
    if (role.value === 'holder') {
      remember(event)
      outbox.push(event)
      outboxTimer ??= setTimeout(flushOutbox, RELAY_BATCH_MS)
    }
    deliver(event)
  }

  function flushOutbox() {
    clearTimeout(outboxTimer)
    outboxTimer = undefined
    if (outbox.length === 0) return
    const events = outbox
    outbox = []
    channel?.postMessage({ kind: 'events', from: tabId, events } satisfies RelayMessage)
  }

  /** Every other message goes after the events before it. */
  function post(message: RelayMessage) {
    flushOutbox()
    channel?.postMessage(message)
  }

  function postStatus() {
    post({ kind: 'status', from: tabId, since: holderSince, status: status.value, attempt: attempt.value, error: error.value })
  }

  function onChannelMessage(message: RelayMessage) {
    switch (message.kind) {
      case 'events':
        if (role.value !== 'follower') return
        heardFromHolder()
        // Relayed events (heartbeats included) mean the holder's stream is open, even
        // before its next status, whose timer a hidden holder's browser may delay.
        if (status.value !== 'open') {
          status.value = 'open'
          attempt.value = 0
          error.value = null
        }
        for (const event of message.events) {
          remember(event)
          followerReceive(event)
        }
        break
      case 'status':
        // Two holders: the lock was taken from the older one (it was silent).
        if (role.value === 'holder' && message.since > holderSince) stepDown()
        if (role.value !== 'follower') return
        heardFromHolder()
        status.value = message.status
        attempt.value = message.attempt
        error.value = message.error
        break
      case 'catch-up':
        if (role.value === 'holder') post({ kind: 'replay', from: tabId, to: message.from, events: log.after(message.after) })
        break
      case 'replay':
        if (message.to === tabId) finishCatchUp(message.events)
        break
      case 'check':
        if (role.value === 'holder') checkStale()
        break
    }
  }

  function followerReceive(event: RelayedEvent) {
    if (catchUp) {
      catchUp.buffer.push(event)
      return
    }
    if (leavesGap(event, options.lastEventId())) {
      startCatchUp()
      catchUp!.buffer.push(event)
      return
    }
    deliver(event)
  }

  function startCatchUp() {
    const after = options.lastEventId()
    if (after === null || catchUp) return
    catchUp = { buffer: [], timer: setTimeout(() => finishCatchUp([]), CATCH_UP_WAIT_MS) }
    post({ kind: 'catch-up', from: tabId, after })
  }

  function finishCatchUp(events: RelayedEvent[] | null) {
    if (!catchUp) return
    const { buffer, timer } = catchUp
    clearTimeout(timer)
    catchUp = null
    if (events === null) options.onGap?.()
    else for (const event of events) deliver(event)
    // The caller drops by id whatever the replay already covered.
    for (const event of buffer) deliver(event)
  }

  function heardFromHolder() {
    clearTimeout(silenceTimer)
    if (role.value !== 'follower' || !joined) return
    // A holder that is hung (or frozen without telling) keeps its lock: take it.
    silenceTimer = setTimeout(() => requestLock(true), idleMs() + STATUS_EVERY_MS)
  }

  function requestLock(steal = false) {
    if (!joined || !options.share) return
    lockRequest?.abort()
    const request = new AbortController()
    lockRequest = request
    const lockOptions: LockOptions = steal ? { steal: true } : { signal: request.signal }
    navigator.locks.request(options.share, lockOptions, () => new Promise<void>((release) => {
      if (lockRequest !== request || !joined) return release()
      releaseLock = release
      becomeHolder()
    })).catch(() => {
      // Aborted by us, or the lock was stolen by a tab that found this one silent.
      if (lockRequest === request && role.value === 'holder') stepDown()
    })
  }

  function becomeHolder() {
    clearTimeout(silenceTimer)
    if (catchUp) finishCatchUp([])
    role.value = 'holder'
    holderSince = Date.now()
    sse.reconnect()
    postStatus()
    clearInterval(statusTimer)
    statusTimer = setInterval(postStatus, STATUS_EVERY_MS)
  }

  /** Gives up holding (another tab streams, or the lock was lost); waits for its turn again. */
  function stepDown() {
    flushOutbox()
    clearInterval(statusTimer)
    sse.close()
    releaseLock?.()
    releaseLock = null
    role.value = 'follower'
    heardFromHolder()
    requestLock()
  }

  function join() {
    if (joined || import.meta.server) return
    joined = true
    if (!options.share || !sharingSupported()) {
      role.value = 'solo'
      sse.open()
      return
    }
    channel = new BroadcastChannel(options.share)
    channel.onmessage = event => onChannelMessage(event.data as RelayMessage)
    role.value = 'follower'
    status.value = 'connecting'
    startCatchUp()
    heardFromHolder()
    requestLock()
  }

  /** Page hidden in the back/forward cache or frozen: hand the stream over, keep the state. */
  function leave() {
    if (!joined) return
    joined = false
    flushOutbox()
    clearInterval(statusTimer)
    clearTimeout(silenceTimer)
    if (catchUp) finishCatchUp([])
    sse.close()
    releaseLock?.()
    releaseLock = null
    lockRequest?.abort()
    lockRequest = null
    channel?.close()
    channel = null
  }

  function rejoin() {
    if (wanted) join()
  }

  /** Back online, visible again, or awake after a sleep. */
  function pageWoke(reason: 'online' | 'visible' | 'awake') {
    if (role.value === 'follower') post({ kind: 'check', from: tabId })
    else checkStale(reason === 'online')
  }

  /** The stream is dead without knowing it yet: close it, and reconnect the moment the network is back. */
  function wentOffline() {
    if (role.value === 'follower' || !joined) return
    sse.close()
    status.value = 'reconnecting'
    error.value = 'offline'
    if (role.value === 'holder') postStatus()
  }

  function checkStale(force = false) {
    if (role.value === 'follower' || !joined) return
    const quietFor = Date.now() - (sse.lastMessageAt.value ?? 0)
    if (force || sse.status.value !== 'open' || quietFor > idleMs() * 0.75) sse.reconnect()
  }

  function open() {
    wanted = true
    if (import.meta.server) return
    stopPageLife ??= watchPageLife({ away: leave, back: rejoin, wake: pageWoke, offline: wentOffline })
    if (!joined) return join()
    if (role.value === 'follower') startCatchUp()
    else sse.open()
  }

  function close() {
    wanted = false
    stopPageLife?.()
    stopPageLife = null
    leave()
    status.value = 'closed'
  }

  function suspend() {
    if (role.value === 'follower') return
    sse.close()
  }

  function reconnect() {
    if (role.value === 'follower') post({ kind: 'check', from: tabId })
    else sse.reconnect()
  }

  tryOnScopeDispose(close)

  return { role, status, attempt, error, eventCount, lastMessageAt, open, close, suspend, reconnect }
}
