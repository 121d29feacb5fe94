import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { MemoryRegistry } from '@petpro/kit';
import { eventually } from '@petpro/kit/testing';
import {
  okHandler,
  request,
  startFakeAuth,
  startGateway,
  startUpstream,
  type FakeUpstream,
  type TestGateway,
  cleanRedis,
  upgradeStatus,
} from './harness.ts';

type FakeAuth = Awaited<ReturnType<typeof startFakeAuth>>;

describe('static deny and allow lists', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let clinic: FakeUpstream;

  beforeAll(async () => {
    clinic = await startUpstream(registry, 'clinic', okHandler('clinic'));
    gw = await startGateway({
      registry,
      env: {
        IP_DENYLIST: '127.53.0.0/24',
        IP_ALLOWLIST: '127.53.0.0/16',
        RATE_LIMIT_PER_MINUTE: '2',
        AUTO_BLOCK_THRESHOLD: '2',
      },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await clinic?.stop();
  });

  it(
    'refuses a denied client with 403 ip_blocked before any other work, ' + 'even when it is also allowlisted',
    async () => {
      const r = await request(gw.url, '/api/v1/clinics?from=denied', { from: '127.53.0.7' });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('ip_blocked');
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['ratelimit']).toBeUndefined();
      expect(clinic.seen.some((s) => s.includes('from=denied'))).toBe(false);
      // WebSocket upgrades bypass Express and are refused all the same.
      expect(await upgradeStatus(gw.port, '127.53.0.7')).toBe('HTTP/1.1 403 Forbidden');
    },
  );

  it('exempts an allowlisted client from rate limits and automatic blocks', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await request(gw.url, '/api/v1/clinics', { from: '127.53.9.9' });
      expect(r.status).toBe(200);
      expect(r.headers['ratelimit']).toBeUndefined();
    }
  });
});

describe('admin IP blocks (file store)', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let auth: FakeAuth;
  let clinic: FakeUpstream;
  let admin: string;

  beforeAll(async () => {
    auth = await startFakeAuth(registry);
    clinic = await startUpstream(registry, 'clinic', okHandler('clinic'));
    gw = await startGateway({ registry, env: { AUTO_BLOCK_THRESHOLD: '0' } });
    admin = await auth.token({ roles: ['admin'] });
  });
  afterAll(async () => {
    await gw?.stop();
    await clinic?.stop();
    await auth?.upstream.stop();
  });

  const post = (body: unknown, token = admin, from = '127.0.0.1') =>
    request(gw.url, '/api/v1/admin/ip-blocks', {
      method: 'POST',
      body,
      from,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('is for admins only', async () => {
    expect((await post({ cidr: '127.60.0.0/24' }, '')).status).toBe(401);
    expect((await post({ cidr: '127.60.0.0/24' }, await auth.token())).status).toBe(403);
    expect((await request(gw.url, '/api/v1/admin/ip-blocks')).status).toBe(401);
  });

  it('validates the block', async () => {
    const bad = await post({ cidr: 'not-an-ip' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_cidr');
    expect((await post({ cidr: '0.0.0.0/0' })).body.code).toBe('cidr_too_wide');
    expect(
      (await post({ cidr: '127.60.0.1', expiresAt: new Date(Date.now() + 60_000).toISOString(), durationMinutes: 5 }))
        .status,
    ).toBe(400);
    expect((await post({ cidr: '127.60.0.1', expiresAt: '2001-01-01T00:00:00Z' })).body.code).toBe('invalid_expiry');
    expect((await post({ cidr: '127.60.0.1', colour: 'red' })).status).toBe(400);
    // An admin cannot lock themselves out by mistake.
    const self = await post({ cidr: '127.64.0.0/16' }, admin, '127.64.3.4');
    expect(self.status).toBe(409);
    expect(self.body.code).toBe('block_includes_self');
  });

  it('blocks an IP or CIDR from the next request, lists it, survives a restart and lifts on delete', async () => {
    const created = await post({ cidr: '127.60.0.0/24', reason: 'credential stuffing' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ cidr: '127.60.0.0/24', reason: 'credential stuffing', source: 'admin' });
    expect(created.headers.location).toBe(`/api/v1/admin/ip-blocks/${created.body.id}`);
    const single = await post({ cidr: '127.61.0.9' });
    expect(single.body.cidr).toBe('127.61.0.9/32');
    expect((await post({ cidr: '127.61.0.9' })).body.code).toBe('block_exists');

    expect((await request(gw.url, '/api/v1/clinics', { from: '127.60.0.200' })).status).toBe(403);
    expect((await request(gw.url, '/api/v1/clinics', { from: '127.61.0.9' })).status).toBe(403);
    expect((await request(gw.url, '/api/v1/clinics', { from: '127.61.0.10' })).status).toBe(200);

    const list = await request(gw.url, '/api/v1/admin/ip-blocks', { headers: { authorization: `Bearer ${admin}` } });
    expect(list.status).toBe(200);
    expect(list.body.items?.map((b) => b.cidr)).toEqual(['127.60.0.0/24', '127.61.0.9/32']);
    expect(list.body.nextCursor).toBeNull();
    const page = await request(gw.url, '/api/v1/admin/ip-blocks?limit=1', {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(page.body.items).toHaveLength(1);
    expect(page.body.nextCursor).toBe(created.body.id);

    // A new gateway over the same data folder (a restart) enforces the block at once.
    await gw.stop();
    gw = await startGateway({ registry, dataDir: gw.dataDir, env: { AUTO_BLOCK_THRESHOLD: '0' } });
    expect((await request(gw.url, '/api/v1/clinics', { from: '127.60.0.200' })).status).toBe(403);

    const del = await request(gw.url, `/api/v1/admin/ip-blocks/${created.body.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(del.status).toBe(204);
    expect((await request(gw.url, '/api/v1/clinics', { from: '127.60.0.200' })).status).toBe(200);
    const again = await request(gw.url, `/api/v1/admin/ip-blocks/${created.body.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('ip_block_not_found');
  });

  it('expires on time', async () => {
    const expiresAt = new Date(Date.now() + 1_500).toISOString();
    const created = await post({ cidr: '127.62.0.1', expiresAt });
    expect(created.status).toBe(201);
    const blocked = await request(gw.url, '/api/v1/clinics', { from: '127.62.0.1' });
    expect(blocked.status).toBe(403);
    expect(blocked.body.expiresAt).toBe(expiresAt);
    const lifted = await eventually(
      async () => {
        const r = await request(gw.url, '/api/v1/clinics', { from: '127.62.0.1' });
        return r.status === 200 ? Date.now() : undefined;
      },
      5_000,
      100,
    );
    expect(lifted).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    expect(lifted - Date.parse(expiresAt)).toBeLessThan(1_000);
  });
});

describe('automatic blocks', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let auth: FakeAuth;
  let clinic: FakeUpstream;

  beforeAll(async () => {
    auth = await startFakeAuth(registry);
    clinic = await startUpstream(registry, 'clinic', okHandler('clinic'));
    gw = await startGateway({
      registry,
      env: {
        AUTO_BLOCK_THRESHOLD: '5',
        AUTO_BLOCK_MINUTES: '1',
        RATE_LIMIT_AUTH_PER_MINUTE: '1000',
        RATE_LIMIT_PER_MINUTE: '8',
      },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await clinic?.stop();
    await auth?.upstream.stop();
  });

  it('blocks a client hammering the login route for a while', async () => {
    const from = '127.63.0.1';
    const statuses: number[] = [];
    for (let i = 0; i < 20 && statuses.at(-1) !== 403; i++) {
      statuses.push(
        (
          await request(gw.url, '/api/v1/auth/login', {
            from,
            method: 'POST',
            body: { email: 'victim@example.test', password: `guess-${i}` },
          })
        ).status,
      );
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.at(-1)).toBe(403);
    const blocked = await request(gw.url, '/api/v1/clinics', { from });
    expect(blocked.status).toBe(403);
    expect(blocked.body.code).toBe('ip_blocked');
    const minutesLeft = (Date.parse(String(blocked.body.expiresAt)) - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(0.9);
    expect(minutesLeft).toBeLessThanOrEqual(1);
    // Other clients are not affected; admins see the block.
    expect((await request(gw.url, '/api/v1/clinics', { from: '127.63.0.2' })).status).toBe(200);
    const list = await request(gw.url, '/api/v1/admin/ip-blocks', {
      headers: { authorization: `Bearer ${await auth.token({ roles: ['admin'] })}` },
    });
    expect(list.body.items).toContainEqual(expect.objectContaining({ cidr: '127.63.0.1/32', source: 'auto' }));
  });

  it('blocks a client that keeps going past its rate limit', async () => {
    const from = '127.63.0.3';
    const statuses: number[] = [];
    for (let i = 0; i < 30 && statuses.at(-1) !== 403; i++)
      statuses.push((await request(gw.url, '/api/v1/clinics', { from })).status);
    expect(statuses.slice(0, 9)).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    expect(statuses.at(-1)).toBe(403);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
  });

  it('does not count successful logins or other routes’ 401s', async () => {
    const from = '127.63.0.4';
    for (let i = 0; i < 7; i++) expect((await request(gw.url, '/api/v1/auth/me', { from })).status).toBe(401);
    expect((await request(gw.url, '/api/v1/clinics', { from })).status).toBe(200);
  });
});

describe.skipIf(!process.env.REDIS_URL)('IP blocks shared through Redis', () => {
  const registry = new MemoryRegistry();
  const env = {
    REDIS_URL: process.env.REDIS_URL ?? '',
    REDIS_KEY_PREFIX: `petpro-test-${randomBytes(5).toString('hex')}:`,
    AUTO_BLOCK_THRESHOLD: '0',
  };
  let a: TestGateway;
  let b: TestGateway;
  let auth: FakeAuth;
  let clinic: FakeUpstream;

  beforeAll(async () => {
    auth = await startFakeAuth(registry);
    clinic = await startUpstream(registry, 'clinic', okHandler('clinic'));
    a = await startGateway({ registry, env });
    b = await startGateway({ registry, env });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await clinic?.stop();
    await cleanRedis(env.REDIS_URL, env.REDIS_KEY_PREFIX);
    await auth?.upstream.stop();
  });

  it('reaches every replica within seconds, survives a restart and lifts everywhere', async () => {
    const admin = { authorization: `Bearer ${await auth.token({ roles: ['admin'] })}` };
    const from = '127.70.0.5';
    expect((await request(b.url, '/api/v1/clinics', { from })).status).toBe(200);
    const created = await request(a.url, '/api/v1/admin/ip-blocks', {
      method: 'POST',
      headers: admin,
      body: { cidr: '127.70.0.0/24', durationMinutes: 10 },
    });
    expect(created.status).toBe(201);
    expect((await request(a.url, '/api/v1/clinics', { from })).status).toBe(403);
    const started = Date.now();
    await eventually(async () => (await request(b.url, '/api/v1/clinics', { from })).status === 403, 3_000, 50);
    expect(Date.now() - started).toBeLessThan(3_000);

    // A gateway started afterwards (a restart, or a new replica) enforces it from its first request.
    const c = await startGateway({ registry, env });
    try {
      expect((await request(c.url, '/api/v1/clinics', { from })).status).toBe(403);
      expect(
        (await request(c.url, `/api/v1/admin/ip-blocks/${created.body.id}`, { method: 'DELETE', headers: admin }))
          .status,
      ).toBe(204);
      await eventually(async () => (await request(a.url, '/api/v1/clinics', { from })).status === 200, 3_000, 50);
      await eventually(async () => (await request(b.url, '/api/v1/clinics', { from })).status === 200, 3_000, 50);
    } finally {
      await c.stop();
    }
  });
});
