import type { H3Event } from 'h3'
import { BrokerUnavailableError, EventTooLargeError, IdempotencyConflictError, InvalidEventError } from './broker/errors'
import { clientError } from './http'

/** The HTTP answer for a publish the broker did not accept (README, "Publishing events"). */
export function publishFailure(event: H3Event, error: unknown) {
  if (error instanceof IdempotencyConflictError) return clientError(event, 422, 'Idempotency-Key already used with a different body')
  if (error instanceof EventTooLargeError) return clientError(event, 413, `event larger than ${error.maxBytes} bytes`)
  if (error instanceof InvalidEventError) return clientError(event, 400, error.message)
  setResponseHeader(event, 'Retry-After', 1)
  if (error instanceof BrokerUnavailableError && error.outcomeUnknown) {
    return clientError(event, 503, 'broker did not answer in time; the events may or may not be published: retry with the same Idempotency-Key')
  }
  return clientError(event, 503, 'broker unavailable; nothing was published, retry')
}
