import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'
import Negotiator from 'negotiator'

export type ContentCoding = 'br' | 'gzip'
/** A shared answer (compressed once for many viewers) or a page (compressed per request). */
export type Use = 'shared' | 'page'

const brotli = promisify(brotliCompress)
const gzipAsync = promisify(gzip)

/**
 * Ties in the client's preference go to brotli for shared answers (smaller,
 * compressed once for everybody) and to gzip for pages (compressed per
 * request, where gzip costs several times less CPU for a few percent more bytes).
 */
const OFFERED = { shared: ['br', 'gzip', 'identity'], page: ['gzip', 'br', 'identity'] } as const
type EncodingChooser = (available: string[], options: { preferred: string[] }) => string | undefined

/**
 * The coding to answer with, from `Accept-Encoding` (q-values honoured;
 * unknown codings and malformed parts are ignored, so a bad header means
 * an uncompressed answer, never an error).
 */
export function chooseEncoding(acceptEncoding: string | undefined, use: Use = 'shared'): ContentCoding | null {
  if (!acceptEncoding) return null
  const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } })
  // negotiator 1.x takes `preferred`; its published types predate the option.
  const choose = negotiator.encoding.bind(negotiator) as unknown as EncodingChooser
  const offered = [...OFFERED[use]]
  const chosen = choose(offered, { preferred: offered })
  return chosen === 'br' || chosen === 'gzip' ? chosen : null
}

/**
 * Brotli quality: past 5 the history answer (numbers with little
 * redundancy) shrinks by about 1 % per step for twice the time; a page is
 * compressed per request, so it gets the cheaper setting.
 */
const BROTLI_QUALITY = { shared: 5, page: 4 } as const

/** Compresses off the event loop (zlib's thread pool). */
export function compress(body: Buffer, coding: ContentCoding, use: Use = 'shared'): Promise<Buffer> {
  if (coding === 'gzip') return gzipAsync(body, { level: use === 'shared' ? 6 : 4 })
  return brotli(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY[use],
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  })
}
