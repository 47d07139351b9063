/**
 * Why a publish was not accepted. Routes map each to one status code
 * (see `server/api/ingest/[channel].post.ts`).
 */

/**
 * The broker cannot carry the event right now (503 + `Retry-After`).
 * `outcomeUnknown` is true when the request may have reached Redis before it
 * went silent: a retry is only safe with the same idempotency key.
 */
export class BrokerUnavailableError extends Error {
  readonly retryAfterSeconds = 1
  constructor(readonly outcomeUnknown = false, detail = 'broker unavailable') {
    super(detail)
    this.name = 'BrokerUnavailableError'
  }
}

/** The idempotency key was used before with a different body (422). */
export class IdempotencyConflictError extends Error {
  constructor() {
    super('idempotency key already used with a different body')
    this.name = 'IdempotencyConflictError'
  }
}

/** An event is larger than `NUXT_EVENT_MAX_BYTES` (413). */
export class EventTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`event larger than ${maxBytes} bytes`)
    this.name = 'EventTooLargeError'
  }
}

/** The log refused the payload itself (400); `message` names what is wrong. */
export class InvalidEventError extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'InvalidEventError'
  }
}

/** True for errors that say the event itself was refused (resending cannot help). */
export function isRefusal(error: unknown): boolean {
  return error instanceof IdempotencyConflictError || error instanceof EventTooLargeError || error instanceof InvalidEventError
}
