import { describe, expect, it } from 'vitest';
import { ConfigError } from '@petpro/kit';
import { parseGatewayConfig } from './config.ts';

const parse = (env: Record<string, string>) => parseGatewayConfig({ SERVICE_SECRET: 'x'.repeat(32), ...env });

describe('gateway configuration', () => {
  it('has production defaults', () => {
    const c = parse({});
    expect(c.RATE_LIMIT_PER_MINUTE).toBe(300);
    expect(c.RATE_LIMIT_AUTH_PER_MINUTE).toBe(20);
    expect(c.AUTO_BLOCK_THRESHOLD).toBe(50);
    expect(c.AUTO_BLOCK_MINUTES).toBe(15);
    expect(c.TRUST_PROXY).toEqual([]);
    expect(c.CORS_ORIGINS).toEqual([]);
    expect(c.UPSTREAM_TIMEOUT_MS).toBe(10_000);
    expect(c.GATEWAY_MAX_IN_FLIGHT).toBe(1_000);
    expect(c.GATEWAY_MAX_IN_FLIGHT_PER_SERVICE).toBe(500);
  });

  it('parses lists', () => {
    const c = parse({
      TRUST_PROXY: '10.0.0.0/8, 2001:db8::/32',
      CORS_ORIGINS: 'https://app.petpro.id,http://localhost:5173',
      IP_DENYLIST: '203.0.113.7',
    });
    expect(c.TRUST_PROXY).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect(c.CORS_ORIGINS).toEqual(['https://app.petpro.id', 'http://localhost:5173']);
    expect(c.IP_DENYLIST).toEqual(['203.0.113.7']);
  });

  it('stops start-up with one line naming the bad variable', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ RATE_LIMIT_PER_MINUTE: 'lots' }, 'RATE_LIMIT_PER_MINUTE'],
      [{ RATE_LIMIT_AUTH_PER_MINUTE: '-1' }, 'RATE_LIMIT_AUTH_PER_MINUTE'],
      [{ AUTO_BLOCK_THRESHOLD: '1.5' }, 'AUTO_BLOCK_THRESHOLD'],
      [{ AUTO_BLOCK_MINUTES: '0' }, 'AUTO_BLOCK_MINUTES'],
      [{ TRUST_PROXY: '10.0.0.0/8,proxy.local' }, 'TRUST_PROXY'],
      [{ IP_DENYLIST: '300.1.1.1' }, 'IP_DENYLIST'],
      [{ IP_ALLOWLIST: '10.0.0.0/40' }, 'IP_ALLOWLIST'],
      [{ CORS_ORIGINS: '*,https://a.b' }, 'CORS_ORIGINS'],
      [{ CORS_ORIGINS: 'https://a.b/path' }, 'CORS_ORIGINS'],
      [{ UPSTREAM_TIMEOUT_MS: '5' }, 'UPSTREAM_TIMEOUT_MS'],
      [{ GATEWAY_MAX_IN_FLIGHT: '0' }, 'GATEWAY_MAX_IN_FLIGHT'],
      [{ GATEWAY_HEADERS_TIMEOUT_MS: '20000', GATEWAY_REQUEST_TIMEOUT_MS: '10000' }, 'GATEWAY_HEADERS_TIMEOUT_MS'],
    ];
    for (const [env, name] of cases) {
      let err: unknown;
      try {
        parse(env);
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message, name).toContain(name);
      expect(message.split('\n')).toHaveLength(1);
    }
  });

  it('names the offending entry of a list', () => {
    expect(() => parse({ TRUST_PROXY: '10.0.0.0/8,proxy.local' })).toThrow(/"proxy\.local" is not one/);
  });
});
