import type { H3Event } from 'h3'
import { createError, getRequestHeader, setResponseHeaders } from 'h3'
import { createLogger } from './logger'

const log = createLogger('http')

/**
 * A client error with a short, fixed status message and a log line. The
 * message never echoes the offending input (ids, tokens, payloads).
 */
export function clientError(event: H3Event, statusCode: number, message: string) {
  log.warn(`${statusCode} ${event.method} ${event.path.split('?')[0]}: ${message}`)
  const deferred = event.context.deferredHeaders
  if (deferred && !event.node.res.headersSent) setResponseHeaders(event, deferred)
  return createError({ statusCode, statusMessage: STATUS_TEXT[statusCode] ?? 'Bad Request', message })
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
}

/** Reads the request body as text, refusing more than `limit` bytes without buffering them. */
export async function readLimitedBody(event: H3Event, limit: number): Promise<string> {
  const declared = Number(getRequestHeader(event, 'content-length'))
  if (Number.isFinite(declared) && declared > limit) throw clientError(event, 413, `body larger than ${limit} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of event.node.req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw clientError(event, 413, `body larger than ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}
