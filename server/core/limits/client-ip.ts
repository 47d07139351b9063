import { BlockList, isIP } from 'node:net'

/**
 * Who is the client? Behind a reverse proxy the socket peer is the proxy, so
 * the proxy's `X-Forwarded-For` is believed, but only when the peer is one of
 * the configured trusted proxies (a client can write any header it likes).
 * The list is walked from the right, skipping trusted hops: the first
 * address that is not a trusted proxy is the client.
 */
export class TrustedProxies {
  private readonly list = new BlockList()
  readonly empty: boolean

  /** Entries are addresses (`10.0.0.7`, `::1`) or CIDR ranges (`10.0.0.0/8`, `fd00::/8`). */
  constructor(entries: readonly string[]) {
    this.empty = entries.length === 0
    for (const entry of entries) {
      const [address = '', prefix, extra] = entry.split('/')
      const family = isIP(address)
      if (!family || extra !== undefined) throw new Error(`NUXT_TRUSTED_PROXIES: "${entry}" is not an address or CIDR range`)
      const type = family === 4 ? 'ipv4' : 'ipv6'
      if (prefix === undefined) {
        this.list.addAddress(address, type)
        continue
      }
      const bits = Number(prefix)
      if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) throw new Error(`NUXT_TRUSTED_PROXIES: "${entry}" has a bad prefix length`)
      this.list.addSubnet(address, bits, type)
    }
  }

  trusts(address: string): boolean {
    const family = isIP(address)
    if (this.empty || !family) return false
    return this.list.check(address, family === 4 ? 'ipv4' : 'ipv6')
  }

  /** The client's address given the socket peer and the X-Forwarded-For header(s). */
  clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    let address = normalizeAddress(peer ?? '') ?? 'unknown'
    if (this.empty || forwardedFor === undefined) return address
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',')
    while (this.trusts(address) && hops.length > 0) {
      const next = normalizeAddress(hops.pop()!)
      // Garbage in the chain: what lies left of it cannot be believed.
      if (next === null) break
      address = next
    }
    return address
  }

  /** True when the request reached us over HTTPS (directly, or at a trusted proxy). */
  isHttps(peer: string | undefined, encrypted: boolean, forwardedProto: string | string[] | undefined): boolean {
    if (encrypted) return true
    if (forwardedProto === undefined || !this.trusts(normalizeAddress(peer ?? '') ?? '')) return false
    // The value nearest to us was written by the trusted proxy.
    const values = (Array.isArray(forwardedProto) ? forwardedProto.join(',') : forwardedProto).split(',')
    return values[values.length - 1]!.trim().toLowerCase() === 'https'
  }
}

/** Plain address from `1.2.3.4`, `1.2.3.4:80`, `[::1]:80` or `::ffff:1.2.3.4`; null if not an address. */
export function normalizeAddress(raw: string): string | null {
  let value = raw.trim()
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value)
  if (bracketed) value = bracketed[1]!
  else if (/^[\d.]+:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(':'))
  if (value.toLowerCase().startsWith('::ffff:') && isIP(value.slice(7)) === 4) value = value.slice(7)
  return isIP(value) ? value.toLowerCase() : null
}

/**
 * The key limits are counted under: the IPv4 address, or the /64 network of an
 * IPv6 address (one host usually owns a whole /64 and can pick any address in it).
 */
export function limitKey(address: string): string {
  if (isIP(address) !== 6) return address
  const groups = expandIpv6(address)
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : address
}

function expandIpv6(address: string): string[] | null {
  const [head = '', tail] = address.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  // An embedded IPv4 tail (::ffff:1.2.3.4 style) counts as two groups; only the prefix matters here.
  const missing = 8 - left.length - right.length
  if (tail === undefined && left.length !== 8) return null
  const groups = [...left, ...Array.from({ length: Math.max(0, missing) }, () => '0'), ...right]
  return groups.map(group => group.replace(/^0+(?=.)/, ''))
}
