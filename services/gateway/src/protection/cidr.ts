import { IPV6_CLIENT_BITS, cidrOf, clientKeyOf, formatIp, parseIp, type Cidr, type IpAddress } from '@petpro/kit';

// Networks and lists of them for the gateway's rules; single addresses and client keys live in the kit
// (the auth service counts its clients the same way).
export { IPV6_CLIENT_BITS, cidrOf, clientKeyOf, formatIp, parseIp, type Cidr, type IpAddress };

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

/** The network an automatic block covers for a client: its /32 or its /64. */
export function clientCidrOf(addr: IpAddress): Cidr {
  return addr.kind() === 'ipv4' ? cidrOf(addr, 32) : cidrOf(addr, IPV6_CLIENT_BITS);
}
