import { describe, expect, it } from 'vitest';
import { CidrSet, clientKeyOf, parseCidr, parseIp } from './cidr.ts';
import { resolveClientAddress } from './client-ip.ts';
import { canonicalOrigin } from './config-vars.ts';

const ip = (s: string | undefined) => (s === undefined ? undefined : parseIp(s)?.toString());
const resolve = (peer: string, xff: string | undefined, trusted: string[]) => {
  const a = resolveClientAddress(peer, xff, new CidrSet(trusted));
  return a && (a.kind() === 'ipv6' ? clientKeyOf(a) : a.toString());
};

describe('client IP', () => {
  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(resolve('203.0.113.9', '1.2.3.4', [])).toBe('203.0.113.9');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(resolve('203.0.113.9', '1.2.3.4', ['10.0.0.0/8'])).toBe('203.0.113.9');
  });

  it('walks X-Forwarded-For from the right past trusted hops; spoofed entries on the left are ignored', () => {
    // client spoofed "6.6.6.6", real client 198.51.100.7, then two trusted proxies.
    expect(resolve('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.1', ['10.0.0.0/8'])).toBe('198.51.100.7');
  });

  it('takes the leftmost address when every hop is trusted, and stops at an unparsable hop', () => {
    expect(resolve('10.0.0.2', '10.0.0.9, 10.0.0.1', ['10.0.0.0/8'])).toBe('10.0.0.9');
    expect(resolve('10.0.0.2', 'garbage, 10.0.0.1', ['10.0.0.0/8'])).toBe('10.0.0.1');
  });

  it('reads hops with ports and bracketed IPv6', () => {
    expect(resolve('10.0.0.2', '198.51.100.7:5123', ['10.0.0.0/8'])).toBe('198.51.100.7');
    expect(resolve('10.0.0.2', '[2001:db8:1:2::5]:443', ['10.0.0.0/8'])).toBe('2001:db8:1:2::/64');
  });

  it('treats an IPv4-mapped IPv6 peer as its IPv4 address', () => {
    expect(resolve('::ffff:203.0.113.9', undefined, [])).toBe('203.0.113.9');
    expect(resolve('::ffff:10.0.0.2', '198.51.100.7', ['10.0.0.0/8'])).toBe('198.51.100.7');
  });

  it('counts every address inside one IPv6 /64 as one client', () => {
    const a = clientKeyOf(parseIp('2001:db8:aa:bb:1::1')!);
    const b = clientKeyOf(parseIp('2001:db8:aa:bb:ffff:ffff:ffff:ffff')!);
    const other = clientKeyOf(parseIp('2001:db8:aa:bc::1')!);
    expect(a).toBe('2001:db8:aa:bb::/64');
    expect(b).toBe(a);
    expect(other).not.toBe(a);
  });
});

describe('CIDR parsing', () => {
  it('accepts IPv4 and IPv6 addresses and networks, masking host bits', () => {
    expect(parseCidr('10.1.2.3/8')?.text).toBe('10.0.0.0/8');
    expect(parseCidr('198.51.100.7')?.text).toBe('198.51.100.7/32');
    expect(parseCidr('2001:db8::1/48')?.text).toBe('2001:db8::/48');
    expect(parseCidr('::ffff:10.0.0.0/104')?.text).toBe('10.0.0.0/8');
  });

  it('makes a bare IPv6 address its /64 for blocks, unless asked for the exact address', () => {
    expect(parseCidr('2001:db8:1:2::99')?.text).toBe('2001:db8:1:2::/64');
    expect(parseCidr('2001:db8:1:2::99', 128)?.text).toBe('2001:db8:1:2::99/128');
  });

  it('refuses what is not an address or network', () => {
    for (const bad of [
      '',
      'localhost',
      '1',
      '0x7f.1',
      '10.0.0.0/33',
      '2001:db8::/129',
      '10.0.0.0/-1',
      'fe80::1%eth0',
      '1.2.3.4/8/8',
    ]) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
    expect(ip('127.0.0.1')).toBe('127.0.0.1');
  });

  it('matches addresses of the right family only', () => {
    const set = new CidrSet(['10.0.0.0/8', '2001:db8::/32']);
    expect(set.has(parseIp('10.9.9.9')!)).toBe(true);
    expect(set.has(parseIp('11.0.0.1')!)).toBe(false);
    expect(set.has(parseIp('2001:db8:ffff::1')!)).toBe(true);
    expect(set.has(parseIp('::ffff:10.1.1.1')!)).toBe(true);
  });
});

describe('CORS origins', () => {
  it('canonicalises exact origins and refuses anything with a path, credentials or another scheme', () => {
    expect(canonicalOrigin('https://App.PetPro.id')).toBe('https://app.petpro.id');
    expect(canonicalOrigin('https://app.petpro.id:443/')).toBe('https://app.petpro.id');
    expect(canonicalOrigin('http://localhost:5173')).toBe('http://localhost:5173');
    for (const bad of ['app.petpro.id', 'https://app.petpro.id/x', 'ftp://a.b', 'https://u:p@a.b', 'https://a.b?x=1'])
      expect(canonicalOrigin(bad), bad).toBeUndefined();
  });
});
