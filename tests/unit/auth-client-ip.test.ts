import { describe, expect, it } from 'vitest'
import { limitKey, normalizeAddress, TrustedProxies } from '../../server/core/limits/client-ip'

describe('client address behind proxies', () => {
  it('uses the socket peer and ignores X-Forwarded-For when no proxy is trusted', () => {
    const none = new TrustedProxies([])
    expect(none.clientAddress('203.0.113.9', '1.1.1.1')).toBe('203.0.113.9')
    expect(none.clientAddress('::ffff:203.0.113.9', undefined)).toBe('203.0.113.9')
    expect(none.clientAddress(undefined, undefined)).toBe('unknown')
  })

  it('believes X-Forwarded-For only from a trusted peer, walking right to left past trusted hops', () => {
    const proxies = new TrustedProxies(['127.0.0.1', '10.0.0.0/8'])
    // The client wrote 6.6.6.6 itself; the edge proxy appended the real peer 198.51.100.7.
    expect(proxies.clientAddress('127.0.0.1', '6.6.6.6, 198.51.100.7, 10.1.2.3')).toBe('198.51.100.7')
    expect(proxies.clientAddress('::ffff:127.0.0.1', '198.51.100.7')).toBe('198.51.100.7')
    // An untrusted peer cannot choose its address.
    expect(proxies.clientAddress('203.0.113.9', '198.51.100.7')).toBe('203.0.113.9')
    // Only proxies all the way: the leftmost trusted hop is as far as we can see.
    expect(proxies.clientAddress('127.0.0.1', '10.0.0.2, 10.0.0.3')).toBe('10.0.0.2')
    // Garbage stops the walk at the last hop a trusted proxy vouched for.
    expect(proxies.clientAddress('127.0.0.1', 'not-an-ip, 10.0.0.4')).toBe('10.0.0.4')
    expect(proxies.clientAddress('127.0.0.1', '[2001:db8::1]:443, 198.51.100.8:5000')).toBe('198.51.100.8')
  })

  it('takes X-Forwarded-Proto from a trusted proxy only, the value nearest to us', () => {
    const proxies = new TrustedProxies(['127.0.0.1'])
    expect(proxies.isHttps('127.0.0.1', false, 'https')).toBe(true)
    expect(proxies.isHttps('127.0.0.1', false, 'https, http')).toBe(false)
    expect(proxies.isHttps('203.0.113.9', false, 'https')).toBe(false)
    expect(proxies.isHttps('203.0.113.9', true, undefined)).toBe(true)
  })

  it('normalizes addresses and groups IPv6 clients by /64', () => {
    expect(normalizeAddress(' 192.0.2.1:8080 ')).toBe('192.0.2.1')
    expect(normalizeAddress('[2001:DB8::1]')).toBe('2001:db8::1')
    expect(normalizeAddress('unknown')).toBeNull()
    expect(limitKey('192.0.2.1')).toBe('192.0.2.1')
    expect(limitKey('2001:db8:1:2:aaaa::1')).toBe(limitKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'))
    expect(limitKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64')
    expect(limitKey('2001:db8:1:3::1')).not.toBe(limitKey('2001:db8:1:2::1'))
    expect(limitKey('::1')).toBe('0:0:0:0::/64')
  })
})
