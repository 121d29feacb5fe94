import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { MemoryRegistry } from '@petpro/kit';
import {
  clientAddresses,
  okHandler,
  request,
  startFakeAuth,
  startGateway,
  startUpstream,
  type FakeUpstream,
  type TestGateway,
  cleanRedis,
  startTcpProxy,
  upgradeStatus,
} from './harness.ts';
import { eventually } from '@petpro/kit/testing';

const LIMIT = 5;
const AUTH_LIMIT = 3;
const PROXY = '127.250.0.1';
const limits = {
  RATE_LIMIT_PER_MINUTE: String(LIMIT),
  RATE_LIMIT_AUTH_PER_MINUTE: String(AUTH_LIMIT),
  AUTO_BLOCK_THRESHOLD: '0',
};

describe('rate limits', () => {
  const registry = new MemoryRegistry();
  const next = clientAddresses();
  let gw: TestGateway;
  let auth: Awaited<ReturnType<typeof startFakeAuth>>;
  let clinic: FakeUpstream;

  beforeAll(async () => {
    auth = await startFakeAuth(registry);
    clinic = await startUpstream(registry, 'clinic', okHandler('clinic'));
    gw = await startGateway({ registry, env: { ...limits, TRUST_PROXY: `${PROXY}/32` } });
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
    // Health stays reachable for a limited client.
    expect((await request(gw.url, '/healthz', { from })).status).toBe(200);
  });

  it('is not reset by a spoofed X-Forwarded-For from a client that is not a trusted proxy', async () => {
    const from = next();
    for (let i = 0; i < LIMIT; i++)
      expect(
        (await request(gw.url, '/api/v1/clinics', { from, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } }))
          .status,
      ).toBe(200);
    for (let i = 0; i < 3; i++) {
      const spoofed = await request(gw.url, '/api/v1/clinics', {
        from,
        headers: {
          'x-forwarded-for': `203.0.113.${i + 1}`,
          'x-real-ip': `203.0.113.${i + 1}`,
          forwarded: `for=203.0.113.${i + 1}`,
        },
      });
      expect(spoofed.status).toBe(429);
    }
  });

  it('behind a trusted proxy counts the forwarded client, and one IPv6 /64 as one client', async () => {
    // Rotating addresses inside 2001:db8:7:1::/64 does not earn a fresh budget…
    for (let i = 0; i < LIMIT; i++) {
      const r = await request(gw.url, '/api/v1/clinics', {
        from: PROXY,
        headers: { 'x-forwarded-for': `2001:db8:7:1::${(i + 1).toString(16)}` },
      });
      expect(r.status).toBe(200);
    }
    const rotated = await request(gw.url, '/api/v1/clinics', {
      from: PROXY,
      headers: { 'x-forwarded-for': '2001:db8:7:1:ffff:1234:5678:9abc' },
    });
    expect(rotated.status).toBe(429);
    // …and a spoofed entry left of the proxy's own does not help either.
    const spoofed = await request(gw.url, '/api/v1/clinics', {
      from: PROXY,
      headers: { 'x-forwarded-for': '192.0.2.1, 2001:db8:7:1::99' },
    });
    expect(spoofed.status).toBe(429);
    // Another /64, and the proxy's other clients, have their own budgets.
    expect(
      (await request(gw.url, '/api/v1/clinics', { from: PROXY, headers: { 'x-forwarded-for': '2001:db8:7:2::1' } }))
        .status,
    ).toBe(200);
    expect(
      (await request(gw.url, '/api/v1/clinics', { from: PROXY, headers: { 'x-forwarded-for': '198.51.100.77' } }))
        .status,
    ).toBe(200);
  });

  it('counts an authenticated caller as a user, not by the IP it shares with others', async () => {
    const from = next();
    const alice = await auth.token();
    const bob = await auth.token();
    for (let i = 0; i < LIMIT; i++) {
      expect(
        (await request(gw.url, '/api/v1/clinics', { from, headers: { authorization: `Bearer ${alice}` } })).status,
      ).toBe(200);
      expect(
        (await request(gw.url, '/api/v1/clinics', { from, headers: { authorization: `Bearer ${bob}` } })).status,
      ).toBe(200);
    }
    expect(
      (await request(gw.url, '/api/v1/clinics', { from, headers: { authorization: `Bearer ${alice}` } })).status,
    ).toBe(429);
    // The IP's anonymous budget is separate; a forged token counts against the IP.
    expect((await request(gw.url, '/api/v1/clinics', { from })).status).toBe(200);
    expect(
      (await request(gw.url, '/api/v1/clinics', { from, headers: { authorization: 'Bearer forged.token.value' } }))
        .status,
    ).toBe(200);
  });

  it('counts WebSocket upgrades against the client IP’s budget', async () => {
    const from = next();
    const statuses: string[] = [];
    for (let i = 0; i < LIMIT + 1; i++) statuses.push(await upgradeStatus(gw.port, from));
    // The budget is checked first; the allowed upgrades, without a token, then end in 401.
    expect(statuses.slice(0, LIMIT).every((s) => s.startsWith('HTTP/1.1 401'))).toBe(true);
    expect(statuses[LIMIT]).toBe('HTTP/1.1 429 Too Many Requests');
  });

  it('is stricter on auth routes, and writing the path differently does not dodge it', async () => {
    const from = next();
    const variants = ['/api/v1/auth/login', '//api/v1/auth/login', '/api/v1/auth%2Flogin', '/API/V1/Auth/Login/'];
    for (let i = 0; i < AUTH_LIMIT; i++) {
      const r = await request(gw.url, variants[i]!, {
        from,
        method: 'POST',
        body: { email: 'a@b.c', password: 'wrong-password' },
      });
      expect(r.status, variants[i]).toBe(401);
    }
    const over = await request(gw.url, variants[3]!, {
      from,
      method: 'POST',
      body: { email: 'a@b.c', password: 'wrong-password' },
    });
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('rate_limited');
    expect(String(over.headers['ratelimit'])).toContain('"auth"; r=0');
    expect(String(over.headers['ratelimit-policy'])).toContain(`"auth"; q=${AUTH_LIMIT}; w=60`);
    // Reads from the same client are still within the general budget.
    expect((await request(gw.url, '/api/v1/clinics', { from })).status).toBe(200);
  });
});

describe('rate limits when Redis is unreachable', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let auth: Awaited<ReturnType<typeof startFakeAuth>>;
  let clinic: FakeUpstream;

  beforeAll(async () => {
    auth = await startFakeAuth(registry);
    clinic = await startUpstream(registry, 'clinic', okHandler('clinic'));
    // Nothing listens on port 1: every Redis command fails.
    gw = await startGateway({ registry, env: { ...limits, REDIS_URL: 'redis://127.0.0.1:1' } });
  });
  afterAll(async () => {
    await gw?.stop();
    await clinic?.stop();
    await auth?.upstream.stop();
  });

  it('keeps serving with local counters and stays strict on auth routes', async () => {
    const from = '127.251.0.1';
    const read = await request(gw.url, '/api/v1/clinics', { from });
    expect(read.status).toBe(200);
    expect(read.headers['ratelimit']).toMatch(/^"general"; r=4;/);
    for (let i = 0; i < AUTH_LIMIT; i++)
      expect((await request(gw.url, '/api/v1/auth/login', { from, method: 'POST', body: {} })).status).toBe(401);
    expect((await request(gw.url, '/api/v1/auth/login', { from, method: 'POST', body: {} })).status).toBe(429);
    const metrics = await request(gw.internalUrl, '/metrics');
    expect(metrics.text).toMatch(/gateway_rate_limit_store_degraded\{[^}]*\} 1/);
  });
});

describe.skipIf(!process.env.REDIS_URL)('rate limits shared through Redis', () => {
  const registry = new MemoryRegistry();
  const env = {
    ...limits,
    REDIS_URL: process.env.REDIS_URL ?? '',
    REDIS_KEY_PREFIX: `petpro-test-${randomBytes(5).toString('hex')}:`,
  };
  let a: TestGateway;
  let b: TestGateway;
  let clinic: FakeUpstream;

  beforeAll(async () => {
    clinic = await startUpstream(registry, 'clinic', okHandler('clinic'));
    a = await startGateway({ registry, env });
    b = await startGateway({ registry, env });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await clinic?.stop();
    await cleanRedis(env.REDIS_URL, env.REDIS_KEY_PREFIX);
  });

  it('gives two gateways one budget per client', async () => {
    const from = '127.252.0.1';
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++)
      statuses.push((await request(i % 2 ? b.url : a.url, '/api/v1/clinics', { from })).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429, 429]);
    const remaining = await request(b.url, '/api/v1/clinics', { from: '127.252.0.2' });
    expect(remaining.headers['ratelimit']).toMatch(/r=4;/);
    expect((await request(a.url, '/api/v1/clinics', { from: '127.252.0.2' })).headers['ratelimit']).toMatch(/r=3;/);
  });
});

describe.skipIf(!process.env.REDIS_URL)('rate limits when Redis goes down and comes back', () => {
  const registry = new MemoryRegistry();
  const prefix = `petpro-test-${randomBytes(5).toString('hex')}:`;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let a: TestGateway;
  let b: TestGateway;
  let auth: Awaited<ReturnType<typeof startFakeAuth>>;
  let clinic: FakeUpstream;
  const degraded = async (gw: TestGateway) =>
    /gateway_rate_limit_store_degraded\{[^}]*\} 1/.test((await request(gw.internalUrl, '/metrics')).text);

  beforeAll(async () => {
    const real = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    proxy = await startTcpProxy(Number(real.port || 6379), real.hostname);
    auth = await startFakeAuth(registry);
    clinic = await startUpstream(registry, 'clinic', okHandler('clinic'));
    const env = { ...limits, REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_KEY_PREFIX: prefix };
    a = await startGateway({ registry, env });
    b = await startGateway({ registry, env });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await clinic?.stop();
    await auth?.upstream.stop();
    await proxy?.close();
    await cleanRedis(process.env.REDIS_URL ?? '', prefix);
  });

  const redisDown =
    'serves on local counters while Redis is down, stays strict on auth routes, and shares the budget again after';
  it(redisDown, async () => {
    expect((await request(a.url, '/api/v1/clinics', { from: '127.253.0.1' })).headers['ratelimit']).toMatch(/r=4;/);
    expect((await request(b.url, '/api/v1/clinics', { from: '127.253.0.1' })).headers['ratelimit']).toMatch(/r=3;/);

    proxy.cut();
    await new Promise((r) => setTimeout(r, 300));
    // Reads keep being served, each gateway counting on its own.
    const onA = await request(a.url, '/api/v1/clinics', { from: '127.253.0.2' });
    const onB = await request(b.url, '/api/v1/clinics', { from: '127.253.0.2' });
    expect([onA.status, onB.status]).toEqual([200, 200]);
    expect(onA.headers['ratelimit']).toMatch(/r=4;/);
    expect(onB.headers['ratelimit']).toMatch(/r=4;/);
    expect(onA.ms).toBeLessThan(1_000);
    // The auth limit still holds on every gateway.
    for (const gw of [a, b]) {
      for (let i = 0; i < AUTH_LIMIT; i++)
        expect(
          (await request(gw.url, '/api/v1/auth/login', { from: '127.253.0.3', method: 'POST', body: {} })).status,
        ).toBe(401);
      expect(
        (await request(gw.url, '/api/v1/auth/login', { from: '127.253.0.3', method: 'POST', body: {} })).status,
      ).toBe(429);
    }
    expect(await degraded(a)).toBe(true);

    proxy.restore();
    await eventually(async () => !(await degraded(a)) && !(await degraded(b)), 10_000, 200);
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++)
      statuses.push((await request(i % 2 ? b.url : a.url, '/api/v1/clinics', { from: '127.253.0.4' })).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429]);
  });
});
