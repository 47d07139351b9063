import { createHash } from 'node:crypto'
import { CHANNELS, isChannel } from '../../../shared/events'
import { usePulse } from '../../core/pulse'
import { clientError, readLimitedBody } from '../../core/http'
import { bearerMatches } from '../../core/bearer'
import { isIdempotencyKey } from '../../core/broker/types'
import { publishFailure } from '../../core/publish-failure'

const MAX_BATCH = 1000

/**
 * Durable publish for collectors that speak HTTP: one event or an array,
 * validated and appended as a whole (all or nothing), answered with the
 * assigned ids. With `Idempotency-Key`, a repeat of the same request answers
 * the same ids and publishes nothing (README, "Publishing events").
 */
export default defineEventHandler(async (event) => {
  const { config, publisher, broker } = usePulse()
  if (!config.publishToken) throw clientError(event, 403, 'ingest is disabled: set NUXT_PUBLISH_TOKEN to enable it')
  if (!bearerMatches(getRequestHeader(event, 'authorization'), config.publishToken)) {
    throw clientError(event, 401, 'missing or wrong publisher token')
  }
  const channel = getRouterParam(event, 'channel') ?? ''
  if (!isChannel(channel)) throw clientError(event, 400, `unknown channel; expected one of ${CHANNELS.join(', ')}`)
  const idempotencyKey = getRequestHeader(event, 'idempotency-key')
  if (idempotencyKey !== undefined && !isIdempotencyKey(idempotencyKey)) {
    throw clientError(event, 400, 'Idempotency-Key must be 1 to 200 printable ASCII characters')
  }

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
    if (!result.ok) throw clientError(event, 400, Array.isArray(body) ? `event ${index}: ${result.error}` : result.error)
    prepared.push(result.json)
  }
  if (broker.state() !== 'ready') throw publishFailure(event, null)
  try {
    const { ids, replayed } = await publisher.publishPrepared(channel, prepared, {
      idempotencyKey,
      // The request, not the appended events: those carry a fresh time and this instance's name.
      fingerprint: createHash('sha256').update(`${channel}\n${JSON.stringify(body)}`).digest('hex'),
      waitMs: config.redisCommandTimeoutMs,
    })
    if (replayed) setResponseHeader(event, 'Idempotent-Replayed', 'true')
    return { ids }
  }
  catch (error) {
    throw publishFailure(event, error)
  }
})
