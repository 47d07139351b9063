import { getRequestHeader } from 'h3'
import { chooseEncoding, compress } from '../core/answers/encoding'

/** Below this a page is sent as it is: compressing would save less than it costs. */
const MIN_BYTES = 1024

/**
 * Compresses server-rendered pages as `Accept-Encoding` allows, like the JSON
 * answers (`server/core/answers/`): the page carries the dashboard's
 * snapshot, which grows with the number of sources. Runs after the CSP
 * plugin, which hashes the page's inline scripts from its text.
 */
export default defineNitroPlugin((nitroApp) => {
  nitroApp.hooks.hook('render:response', async (response, { event }) => {
    if (typeof response.body !== 'string' || response.body.length < MIN_BYTES) return
    const headers = response.headers ??= {}
    if (!String(headers['content-type'] ?? '').startsWith('text/html')) return
    headers.vary = headers.vary ? `${headers.vary}, Accept-Encoding` : 'Accept-Encoding'
    const coding = chooseEncoding(getRequestHeader(event, 'accept-encoding'), 'page')
    if (!coding) return
    response.body = await compress(Buffer.from(response.body), coding, 'page')
    headers['content-encoding'] = coding
  })
})
