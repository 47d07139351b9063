import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { inlineHashes, pagePolicy } from '../../server/core/auth/csp'
import { corsDecision } from '../../server/core/auth/cors'
import { redactUrl } from '../../server/core/auth/redact'

const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`

describe('page CSP', () => {
  it('hashes inline scripts and styles, not external scripts or JSON data blocks', () => {
    const html = `<head><script type="module" src="/_nuxt/a.js"></script><style>.a{color:red}</style></head>`
      + `<body><script>window.__NUXT__={}</script>`
      + `<script type="application/json" id="__NUXT_DATA__">[1]</script>`
      + `<script type="importmap">{"imports":{}}</script></body>`
    const hashes = inlineHashes(html)
    expect(hashes.scripts).toEqual([sha('window.__NUXT__={}'), sha('{"imports":{}}')])
    expect(hashes.styles).toEqual([sha('.a{color:red}')])
  })

  it('hashes what the browser hashes: line endings normalized to LF', () => {
    expect(inlineHashes('<script>a\r\nb\rc</script>').scripts).toEqual([sha('a\nb\nc')])
  })

  it('builds a policy without unsafe-inline scripts and with the frame ancestors', () => {
    const policy = pagePolicy({ hashes: { scripts: [`'sha256-x'`], styles: [] }, frameAncestors: `'none'` })
    expect(policy).toContain(`script-src 'self' 'sha256-x'`)
    expect(policy).toContain(`frame-ancestors 'none'`)
    expect(policy).toContain(`object-src 'none'`)
    expect(policy).not.toMatch(/script-src[^;]*unsafe/)
  })
})

describe('CORS decision', () => {
  const allow = new Set(['https://ops.example.com'])
  it('echoes an allowed origin with credentials, never *', () => {
    const { allowed, headers } = corsDecision('https://ops.example.com', allow, { preflight: false, credentials: true })
    expect(allowed).toBe(true)
    expect(headers).toMatchObject({ 'Access-Control-Allow-Origin': 'https://ops.example.com', 'Access-Control-Allow-Credentials': 'true', 'Vary': 'Origin' })
  })
  it('gives a refused origin no CORS headers at all', () => {
    const { allowed, headers } = corsDecision('https://evil.example', allow, { preflight: true, credentials: true })
    expect(allowed).toBe(false)
    expect(Object.keys(headers)).toEqual(['Vary'])
  })
})

describe('credentials in URLs', () => {
  it('replaces token and ticket values, also under encoded keys, and keeps the rest', () => {
    expect(redactUrl('/api/sse/dashboard?channels=alerts&token=s3cret')).toBe('/api/sse/dashboard?channels=alerts&token=redacted')
    expect(redactUrl('/x?%74icket=abc&token=1&token=2')).not.toMatch(/abc|=1|=2/)
    expect(redactUrl('/x?a=1')).toBe('/x?a=1')
    expect(redactUrl('/x')).toBe('/x')
  })
})
