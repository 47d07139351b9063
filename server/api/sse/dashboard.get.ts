import { usePulse } from '../../core/pulse'
import { clientError } from '../../core/http'
import { parseFilter } from '../../core/sse/filter'
import { readLastEventId } from '../../core/sse/last-event-id'

/**
 * The dashboard stream. h3 validates and answers errors; once the headers are
 * out, the hub owns the socket (it writes shared pre-encoded frames and
 * honours backpressure, which h3's createEventStream does not).
 */
export default defineEventHandler(async (event) => {
  const pulse = usePulse()
  const query = getQuery(event)
  const filter = parseFilter(query.channels, query.metrics)
  if (!filter.ok) throw clientError(event, 400, filter.error)
  const resume = readLastEventId(getRequestHeader(event, 'last-event-id'), query.lastEventId)
  if (!resume.ok) throw clientError(event, 400, resume.error)

  setResponseStatus(event, 200)
  setResponseHeaders(event, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'Connection': 'keep-alive',
    'X-Accel-Buffering': 'no',
  })
  event.node.res.flushHeaders()
  event.node.req.socket.setNoDelay(true)
  // Not awaited: once the headers are out the hub owns the response, and
  // returning lets the request's H3Event, Nitro context (fetch/waitUntil
  // closures) and the suspended handler and middleware frames be collected
  // instead of living as long as the stream (~5 KB per open stream).
  // h3 sees the headers sent and writes nothing more.
  void pulse.hub.attach(event.node.res, filter.filter, resume.id)
})
