import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** A parsed network: an address family, its network address and prefix length. */
export interface Cidr {
  kind: 'ipv4' | 'ipv6';
  network: IpAddress;
  bits: number;
  /** Canonical text, e.g. `10.0.0.0/8` or `2001:db8::/64`. */
  text: string;
}

/** The prefix a bare IPv6 address stands for: one subscriber usually holds a whole /64. */
export const IPV6_CLIENT_BITS = 64;

/**
 * Parses one IP address strictly: dotted-quad IPv4 only (ipaddr.js alone would accept `1` or
 * `0x7f.1`), any IPv6 form; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes the IPv4 address so that a
 * dual-stack socket and a list entry agree. Zone ids are refused.
 */
export function parseIp(text: string): IpAddress | undefined {
  const t = text.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(t)) return ipaddr.IPv4.parse(t);
  if (!t.includes(':') || t.includes('%') || !ipaddr.IPv6.isValid(t)) return undefined;
  const v6 = ipaddr.IPv6.parse(t);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/** An address in canonical text (RFC 5952 for IPv6). */
function canonical(addr: IpAddress): string {
  return addr.kind() === 'ipv6' ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

function networkOf(addr: IpAddress, bits: number): IpAddress {
  return addr.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${bits}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${(addr as ipaddr.IPv6).toNormalizedString()}/${bits}`);
}

/** Builds the CIDR of `addr` masked to `bits`. */
export function cidrOf(addr: IpAddress, bits: number): Cidr {
  const network = networkOf(addr, bits);
  return { kind: addr.kind(), network, bits, text: `${canonical(network)}/${bits}` };
}

/**
 * Parses `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `v6/n`. Host bits are masked off (the result
 * names the network). A bare IPv4 address is a /32; a bare IPv6 address is its /64 unless
 * `bareIpv6Bits` says otherwise, because a client can rotate freely inside its /64.
 */
export function parseCidr(text: string, bareIpv6Bits = IPV6_CLIENT_BITS): Cidr | undefined {
  const t = text.trim();
  const slash = t.indexOf('/');
  if (slash < 0) {
    const addr = parseIp(t);
    if (!addr) return undefined;
    return cidrOf(addr, addr.kind() === 'ipv4' ? 32 : bareIpv6Bits);
  }
  const bitsText = t.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  const rawAddr = t.slice(0, slash);
  const addr = parseIp(rawAddr);
  if (!addr) return undefined;
  // `::ffff:10.0.0.0/104` was parsed as IPv4: shift the prefix into IPv4 terms.
  const mappedShift = addr.kind() === 'ipv4' && rawAddr.includes(':') ? 96 : 0;
  const effective = bits - mappedShift;
  if (effective < 0 || effective > (addr.kind() === 'ipv4' ? 32 : 128)) return undefined;
  return cidrOf(addr, effective);
}

/** True when `addr` lies inside `cidr`. */
export function cidrContains(cidr: Cidr, addr: IpAddress): boolean {
  return addr.kind() === cidr.kind && addr.match(cidr.network, cidr.bits);
}

/** A fixed set of networks, checked in order. */
export class CidrSet {
  readonly cidrs: Cidr[];

  /** `bareIpv6Bits`: what a bare IPv6 entry stands for (see parseCidr). */
  constructor(entries: Array<string | Cidr>, bareIpv6Bits = 128) {
    this.cidrs = entries.map((e) => {
      if (typeof e !== 'string') return e;
      const c = parseCidr(e, bareIpv6Bits);
      if (!c) throw new Error(`not an IP address or CIDR: ${e}`);
      return c;
    });
  }

  get size(): number {
    return this.cidrs.length;
  }

  /** The first network that contains `addr`, if any. */
  match(addr: IpAddress): Cidr | undefined {
    return this.cidrs.find((c) => cidrContains(c, addr));
  }

  has(addr: IpAddress): boolean {
    return this.match(addr) !== undefined;
  }
}

/**
 * The identity a client is counted and blocked under: the IPv4 address, or the /64 of an IPv6
 * address (so rotating addresses inside one /64 does not earn a fresh budget).
 */
export function clientKeyOf(addr: IpAddress): string {
  return addr.kind() === 'ipv4' ? addr.toString() : cidrOf(addr, IPV6_CLIENT_BITS).text;
}

/** The network an automatic block covers for a client: its /32 or its /64. */
export function clientCidrOf(addr: IpAddress): Cidr {
  return addr.kind() === 'ipv4' ? cidrOf(addr, 32) : cidrOf(addr, IPV6_CLIENT_BITS);
}

export { canonical as formatIp };
