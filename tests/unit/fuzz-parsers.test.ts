import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createParser } from 'eventsource-parser'
import { getQuery } from 'ufo'
import { encodeFrame } from '../../server/core/sse/frame'
import { parseFilter } from '../../server/core/sse/filter'
import { readLastEventId } from '../../server/core/sse/last-event-id'
import { redactUrl } from '../../server/core/auth/redact'
import { normalizeAddress, TrustedProxies } from '../../server/core/limits/client-ip'
import { safeRedirect } from '../../utils/safe-redirect'
import { inlineHashes } from '../../server/core/auth/csp'

/** Strings that try to break out of an SSE field or a URL parameter. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ maxLength: 60 }),
  fc.constantFrom('\n\nevent: alert\ndata: {"forged":1}\n\n', '\r\nid: 9-9\r\n', '\rretry: 1\r', '\u0000', '\u2028', ': x\n', 'data:', ''),
  fc.array(fc.constantFrom('a', '\n', '\r', '\r\n', ':', ' ', 'data: ', 'id: ', 'event: ', '\u0000'), { maxLength: 12 }).map(parts => parts.join('')),
)

function parseAll(text: string) {
  const events: { id?: string, event?: string, data: string }[] = []
  const parser = createParser({ onEvent: e => events.push(e) })
  parser.feed(text)
  return events
}

describe('property: framing never lets a payload start another event', () => {
  it('one frame in, exactly one event out, with the data intact (line endings as LF)', () => {
    fc.assert(fc.property(
      fc.record({ id: fc.option(hostile, { nil: undefined }), event: fc.option(hostile, { nil: undefined }), data: hostile }),
      (frame) => {
        const events = parseAll(encodeFrame(frame))
        expect(events).toHaveLength(1)
        const [event] = events
        expect(event!.data).toBe(frame.data.replace(/\r\n|\r/g, '\n'))
        if (frame.id !== undefined) expect(event!.id).toBe(frame.id.replace(/[\r\n\0]/g, ''))
        if (frame.event) expect([frame.event.replace(/[\r\n\0]/g, ''), undefined]).toContain(event!.event)
      },
    ), { numRuns: 3000 })
  })
})

describe('property: stream parameters are refused cleanly, never thrown', () => {
  const param = fc.oneof(fc.constant(undefined), hostile, fc.array(hostile, { maxLength: 3 }), fc.string({ maxLength: 400 }), fc.constantFrom('metrics,alerts', 'cpu,memory', ',,,', 'metrics,'.repeat(40)))
  it('filter and resume point', () => {
    fc.assert(fc.property(param, param, param, param, (channels, metrics, header, query) => {
      const filter = parseFilter(channels, metrics)
      if (filter.ok) expect(filter.filter.channels.size).toBeGreaterThan(0)
      else expect(filter.error.length).toBeLessThan(200)
      const resume = readLastEventId(typeof header === 'string' ? header : undefined, query)
      if (resume.ok && resume.id !== null) expect(resume.id).toMatch(/^\d{1,15}-\d{1,15}$/)
    }), { numRuns: 3000 })
  })
})

describe('property: credentials never survive redaction', () => {
  const key = fc.oneof(fc.constantFrom('token', 'ticket', '%74oken', 'tick%65t', 'to%6ben', 'channels', 'TOKEN', 'token[]', 'token%00'), fc.string({ maxLength: 8 }))
  const value = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 10 }))
  it('whatever the query parser reads as token or ticket is gone from the redacted URL', () => {
    fc.assert(fc.property(fc.array(fc.tuple(key, value, fc.boolean()), { maxLength: 6 }), (pairs) => {
      const query = pairs.map(([k, v, encode]) => `${k}=${encode ? encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, '')) : v.replace(/[#&\s]/g, '')}`).join('&')
      const url = `/api/sse/dashboard?${query}`
      const redacted = redactUrl(url)
      const seen = getQuery(redacted)
      for (const name of ['token', 'ticket']) {
        const found = seen[name]
        for (const item of Array.isArray(found) ? found : found === undefined ? [] : [found]) expect(item).toBe('redacted')
      }
    }), { numRuns: 3000 })
  })
})

describe('property: client address and redirect never escape', () => {
  it('the client address is an IP or "unknown", whatever the header says', () => {
    const proxies = new TrustedProxies(['127.0.0.1', '10.0.0.0/8', '::1'])
    fc.assert(fc.property(fc.constantFrom('127.0.0.1', '::ffff:127.0.0.1', '203.0.113.5', '::1', undefined), fc.option(fc.oneof(hostile, fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), hostile), { maxLength: 5 }).map(a => a.join(','))), { nil: undefined }), (peer, forwarded) => {
      const address = proxies.clientAddress(peer, forwarded)
      expect(address === 'unknown' || normalizeAddress(address) === address).toBe(true)
    }), { numRuns: 3000 })
  })

  it('the redirect after sign-in stays on this site', () => {
    fc.assert(fc.property(fc.oneof(hostile, fc.webUrl(), fc.webPath(), fc.constantFrom('//x', '/\\x', '/%2F%2Fx', '/\t/x')), (raw) => {
      const target = safeRedirect(raw)
      expect(new URL(target, 'http://pulseboard.invalid').origin).toBe('http://pulseboard.invalid')
      expect(target.startsWith('/') && !target.startsWith('//')).toBe(true)
    }), { numRuns: 3000 })
  })

  it('the CSP hasher takes any HTML without throwing', () => {
    fc.assert(fc.property(fc.array(fc.oneof(hostile, fc.constantFrom('<script>', '</script>', '<style>', '</style>', '<script src=x>', '<script type="application/json">')), { maxLength: 10 }), (parts) => {
      const hashes = inlineHashes(parts.join(''))
      for (const hash of [...hashes.scripts, ...hashes.styles]) expect(hash).toMatch(/^'sha256-[A-Za-z0-9+/]+=*'$/)
    }), { numRuns: 2000 })
  })
})
