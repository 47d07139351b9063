import { CHANNELS, isChannel } from '../../../shared/events'
import { usePulse } from '../../core/pulse'
import { clientError, readLimitedBody } from '../../core/http'
import { bearerMatches } from '../../core/bearer'

const MAX_BATCH = 1000

/**
 * Durable publish for collectors that speak HTTP: one event or an array,
 * validated as a whole (all or nothing), answered with the assigned ids.
 */
export default defineEventHandler(async (event) => {
  const { config, publisher, broker } = usePulse()
  if (!config.publishToken) throw clientError(event, 403, 'ingest is disabled: set NUXT_PUBLISH_TOKEN to enable it')
  if (!bearerMatches(getRequestHeader(event, 'authorization'), config.publishToken)) {
    throw clientError(event, 401, 'missing or wrong publisher token')
  }
  const channel = getRouterParam(event, 'channel') ?? ''
  if (!isChannel(channel)) throw clientError(event, 400, `unknown channel; expected one of ${CHANNELS.join(', ')}`)

  const text = await readLimitedBody(event, config.ingestMaxBytes)
  let body: unknown
  try {
    body = JSON.parse(text)
  }
  catch {
    throw clientError(event, 400, 'body is not valid JSON')
  }
  const items = Array.isArray(body) ? body : [body]
  if (items.length === 0 || items.length > MAX_BATCH) throw clientError(event, 400, `send 1 to ${MAX_BATCH} events`)

  const prepared: string[] = []
  for (const [index, item] of items.entries()) {
    const result = publisher.prepare(channel, item)
    if (!result.ok) throw clientError(event, result.status, Array.isArray(body) ? `event ${index}: ${result.error}` : result.error)
    prepared.push(result.json)
  }
  if (broker.state() !== 'ready') {
    setResponseHeader(event, 'Retry-After', 1)
    throw clientError(event, 503, 'broker unavailable; nothing was published, retry')
  }
  const ids: string[] = []
  try {
    // In order: ids follow the order of the batch.
    for (const json of prepared) ids.push(await publisher.publishPrepared(channel, json))
  }
  catch {
    setResponseHeader(event, 'Retry-After', 1)
    const error = clientError(event, 503, `broker unavailable after ${ids.length} of ${prepared.length} events; retry the rest`)
    error.data = { ids }
    throw error
  }
  return { ids }
})
