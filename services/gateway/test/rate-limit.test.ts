import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { MemoryRegistry } from '@petpro/kit';
import { clientAddresses, okHandler, request, startFakeAuth, startGateway, startUpstream, type FakeUpstream, type TestGateway } from './harness.ts';

const LIMIT = 5;
const AUTH_LIMIT = 3;

describe('rate limits', () => {
  const registry = new MemoryRegistry();
  const next = clientAddresses();
  let gw: TestGateway;
  let auth: Awaited<ReturnType<typeof startFakeAuth>>;
  let clinic: FakeUpstream;

  beforeAll(async () => {
    auth = await startFakeAuth(registry);
    clinic = await startUpstream(registry, 'clinic', okHandler('clinic'));
    gw = await startGateway({ registry, env: { RATE_LIMIT_PER_MINUTE: String(LIMIT), RATE_LIMIT_AUTH_PER_MINUTE: String(AUTH_LIMIT), AUTO_BLOCK_THRESHOLD: '0' } });
  });
  afterAll(async () => {
    await gw?.stop();
    await clinic?.stop();
    await auth?.upstream.stop();
  });

  it('answers 429 problem+json with Retry-After and RateLimit headers once a client is over its limit', async () => {
    const from = next();
    for (let i = 0; i < LIMIT; i++) {
      const ok = await request(gw.url, '/api/v1/clinics', { from });
      expect(ok.status).toBe(200);
      expect(ok.headers['ratelimit']).toMatch(new RegExp(`^"general"; r=${LIMIT - i - 1}; t=\\d+$`));
      expect(ok.headers['ratelimit-policy']).toMatch(new RegExp(`^"general"; q=${LIMIT}; w=60; pk=:`));
    }
    const over = await request(gw.url, '/api/v1/clinics', { from });
    expect(over.status).toBe(429);
    expect(over.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(over.body.code).toBe('rate_limited');
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(over.headers['ratelimit']).toMatch(/^"general"; r=0; t=\d+$/);
    expect(over.headers['ratelimit-policy']).toBeDefined();
    // The gateway's own refusals carry the security headers too.
    expect(over.headers['x-content-type-options']).toBe('nosniff');
    expect(over.headers['content-security-policy']).toBeDefined();
  });
});
