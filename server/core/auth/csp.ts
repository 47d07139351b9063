import { createHash } from 'node:crypto'

/**
 * The page Content-Security-Policy. Nuxt's SSR output has inline elements
 * (the runtime-config script, component styles, possibly an import map),
 * whose content depends on the request. Instead of allowing every inline
 * script (`'unsafe-inline'`), each response lists the hashes of exactly the
 * inline scripts and styles it contains; injected markup cannot match them.
 */
export interface InlineHashes {
  scripts: string[]
  styles: string[]
}

const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi
const STYLE = /<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi
/** Data blocks (the JSON payload) are never executed, so CSP does not apply to them. */
const DATA_TYPE = /\btype\s*=\s*["']?application\/(?:[\w.+-]*\+)?json\b/i
const HAS_SRC = /\bsrc\s*=/i

function hash(text: string): string {
  // The HTML parser turns CRLF and CR into LF before the browser hashes the element's text.
  const normalized = text.replace(/\r\n?/g, '\n')
  return `'sha256-${createHash('sha256').update(normalized, 'utf8').digest('base64')}'`
}

export function inlineHashes(html: string): InlineHashes {
  const scripts = new Set<string>()
  const styles = new Set<string>()
  for (const [, attributes = '', body = ''] of html.matchAll(SCRIPT)) {
    if (HAS_SRC.test(attributes) || DATA_TYPE.test(attributes)) continue
    scripts.add(hash(body))
  }
  for (const [, body = ''] of html.matchAll(STYLE)) styles.add(hash(body))
  return { scripts: [...scripts], styles: [...styles] }
}

export interface PolicyOptions {
  hashes: InlineHashes
  frameAncestors: string
  /** Origin of a CDN serving /_nuxt/ assets (app.cdnURL), if any. */
  assetOrigin?: string
}

export function pagePolicy({ hashes, frameAncestors, assetOrigin }: PolicyOptions): string {
  const self = assetOrigin ? `'self' ${assetOrigin}` : `'self'`
  const directives = [
    `default-src 'self'`,
    `script-src ${[self, ...hashes.scripts].join(' ')}`,
    `style-src ${[self, ...hashes.styles].join(' ')}`,
    // Vue renders bound styles as attributes; attributes cannot run script.
    `style-src-attr 'unsafe-inline'`,
    `img-src ${self} data:`,
    `font-src ${self}`,
    // The stream and the API are same-origin.
    `connect-src 'self'`,
    `object-src 'none'`,
    `base-uri 'none'`,
    `form-action 'self'`,
    `frame-ancestors ${frameAncestors}`,
  ]
  return directives.join('; ')
}
