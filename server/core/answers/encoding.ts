import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'
import Negotiator from 'negotiator'

export type ContentCoding = 'br' | 'gzip'

const brotli = promisify(brotliCompress)
const gzipAsync = promisify(gzip)

/** Ties in the client's preference go to brotli: smaller for the same JSON. */
const OFFERED = ['br', 'gzip', 'identity']
type EncodingChooser = (available: string[], options: { preferred: string[] }) => string | undefined

/**
 * The coding to answer with, from `Accept-Encoding` (q-values honoured;
 * unknown codings and malformed parts are ignored, so a bad header means
 * an uncompressed answer, never an error).
 */
export function chooseEncoding(acceptEncoding: string | undefined): ContentCoding | null {
  if (!acceptEncoding) return null
  const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } })
  // negotiator 1.x takes `preferred`; its published types predate the option.
  const choose = negotiator.encoding.bind(negotiator) as unknown as EncodingChooser
  const chosen = choose(OFFERED, { preferred: OFFERED })
  return chosen === 'br' || chosen === 'gzip' ? chosen : null
}

/**
 * Brotli quality: a shared answer is compressed once for every viewer, so a
 * little more work than the usual dynamic-content setting pays off; a page
 * is compressed per request, so it gets the cheaper setting.
 */
const BROTLI_QUALITY = { shared: 7, page: 4 } as const

/** Compresses off the event loop (zlib's thread pool). */
export function compress(body: Buffer, coding: ContentCoding, use: keyof typeof BROTLI_QUALITY = 'shared'): Promise<Buffer> {
  if (coding === 'gzip') return gzipAsync(body, { level: use === 'shared' ? 6 : 4 })
  return brotli(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY[use],
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  })
}
