import type { H3Event } from 'h3'
import { getRequestHeader, setResponseHeaders } from 'h3'
import type { EncodedAnswer } from './shared-answers'
import { chooseEncoding } from './encoding'

/**
 * Sends a shared JSON answer, compressed as the request's `Accept-Encoding`
 * allows. Only JSON answers go through here: streams are never compressed
 * (a compressor would hold events back until its buffer fills).
 */
export async function sendAnswer(event: H3Event, answer: EncodedAnswer): Promise<Buffer> {
  const coding = chooseEncoding(getRequestHeader(event, 'accept-encoding'))
  const body = await answer.body(coding)
  setResponseHeaders(event, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Vary': 'Accept-Encoding',
    'Content-Length': String(body.length),
    ...(coding ? { 'Content-Encoding': coding } : {}),
  })
  return body
}
