import { usePulse } from '../../core/pulse'
import { clientError } from '../../core/http'
import { parseFilter } from '../../core/sse/filter'
import { readLastEventId } from '../../core/sse/last-event-id'

const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'Connection': 'keep-alive',
  'X-Accel-Buffering': 'no',
}

/**
 * The dashboard stream. h3 validates and answers errors; once the headers are
 * out, the hub owns the socket (it writes shared pre-encoded frames and
 * honours backpressure, which h3's createEventStream does not).
 */
export default defineEventHandler((event) => {
  const pulse = usePulse()
  const query = getQuery(event)
  const filter = parseFilter(query.channels, query.metrics)
  if (!filter.ok) throw clientError(event, 400, filter.error)
  const resume = readLastEventId(getRequestHeader(event, 'last-event-id'), query.lastEventId)
  if (!resume.ok) throw clientError(event, 400, resume.error)

  // Straight into the head: headers stored with setHeader would be kept by
  // Node for as long as the stream lives (see core/auth/security-headers.ts).
  event.node.res.writeHead(200, { ...event.context.deferredHeaders, ...STREAM_HEADERS })
  event.node.res.flushHeaders()
  event.node.req.socket.setNoDelay(true)
  // The hub owns the response from here; returning at once lets the request's
  // H3Event, Nitro context (fetch/waitUntil closures) and the middleware
  // frames be collected instead of living as long as the stream (~2 KB per
  // open stream). h3 sees the headers sent and writes nothing more.
  pulse.hub.attach(event.node.res, filter.filter, resume.id)
})
