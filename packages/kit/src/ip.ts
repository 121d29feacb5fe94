import ipaddr from 'ipaddr.js';

/**
 * Client addresses as every PetPro process counts them: the gateway's limits and blocks and the
 * auth service's own per-IP throttles agree on who one client is.
 */
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
export function formatIp(addr: IpAddress): string {
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
  return { kind: addr.kind(), network, bits, text: `${formatIp(network)}/${bits}` };
}

/**
 * The identity a client is counted and blocked under: the IPv4 address, or the /64 of an IPv6
 * address (so rotating addresses inside one /64 does not earn a fresh budget).
 */
export function clientKeyOf(addr: IpAddress): string {
  return addr.kind() === 'ipv4' ? addr.toString() : cidrOf(addr, IPV6_CLIENT_BITS).text;
}

/** clientKeyOf for an address in text; text that is not an address is its own key. */
export function clientKey(ip: string): string {
  const addr = parseIp(ip);
  return addr ? clientKeyOf(addr) : ip;
}
