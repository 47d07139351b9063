import type { H3Event } from 'h3'
import { getRequestHeader, setResponseHeaders } from 'h3'
import type { EncodedAnswer } from './shared-answers'
import { chooseEncoding } from './encoding'

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }

/**
 * Sends a shared answer (JSON by default, or a shared page with the headers
 * its render had), compressed as the request's `Accept-Encoding` allows.
 * Streams never go through here: a compressor would hold events back until
 * its buffer fills.
 */
export async function sendAnswer(event: H3Event, answer: EncodedAnswer, headers: Record<string, string> = JSON_HEADERS): Promise<Buffer> {
  const coding = chooseEncoding(getRequestHeader(event, 'accept-encoding'))
  const body = await answer.body(coding)
  setResponseHeaders(event, {
    ...headers,
    'Vary': 'Accept-Encoding',
    'Content-Length': String(body.length),
    ...(coding ? { 'Content-Encoding': coding } : {}),
  })
  return body
}
