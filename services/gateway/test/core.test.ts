import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { eventually } from '@petpro/kit/testing';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser, loginAdmin } from '../../../test/users.ts';

let p: Platform;

beforeAll(async () => {
  p = await startPlatform({ databaseUrl: inject('databaseUrl') });
});
afterAll(async () => {
  await p?.stop();
});

const isProblem = (r: { headers: Headers; body: { code?: string; status?: number } }) =>
  r.headers.get('content-type')?.includes('application/problem+json') && typeof r.body.code === 'string';

describe('gateway core', () => {
  it('is healthy and ready with every upstream', async () => {
    expect((await p.http.get('/healthz')).body.status).toBe('ok');
    const ready = await p.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.upstreams).sort()).toEqual(['auth', 'booking', 'clinic', 'user']);
  });

  it('answers bad requests with 4xx problem+json, never 500', async () => {
    const unknown = await p.http.get('/api/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(isProblem(unknown)).toBe(true);

    const wrongMethod = await p.http.get('/api/v1/auth/login');
    expect(wrongMethod.status).toBe(405);
    expect(isProblem(wrongMethod)).toBe(true);
    expect(wrongMethod.headers.get('allow')).toContain('POST');

    const malformed = await p.http.call('POST', '/api/v1/auth/login', {
      raw: '{"email":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('invalid_json');

    const big = await p.http.call('POST', '/api/v1/auth/login', {
      raw: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(3 * 1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(big.status).toBe(413);
    expect(isProblem(big)).toBe(true);

    // Internal endpoints are never routed publicly.
    const internal = await p.http.get('/internal/sessions/revocations?since=2020-01-01T00:00:00Z');
    expect(internal.status).toBe(404);
  });

  it('keeps a valid client request id and replaces an invalid one', async () => {
    const kept = await p.http.get('/.well-known/jwks.json', { headers: { 'x-request-id': 'client-req-12345' } });
    expect(kept.headers.get('x-request-id')).toBe('client-req-12345');
    const replaced = await p.http.get('/.well-known/jwks.json', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('normalises paths before routing', async () => {
    for (const path of [
      '//.well-known/jwks.json',
      '/.well-known/./jwks.json',
      '/.well-known%2Fjwks.json',
      '/.well-known/jwks.json/',
    ]) {
      const r = await p.http.get(path);
      expect(r.status, path).toBe(200);
      expect(r.body.keys.length, path).toBeGreaterThan(0);
    }
  });

  it('refuses requests without a token on protected routes with 401 problem+json', async () => {
    const r = await p.http.get('/api/v1/pets');
    expect(r.status).toBe(401);
    expect(isProblem(r)).toBe(true);
  });

  // Regression: the gateway parsed JSON for every /api/v1/admin path, so admin POSTs proxied to the
  // auth service arrived without their body and timed out with 504.
  it('streams request bodies of proxied admin routes untouched', async () => {
    const admin = await loginAdmin(p);
    const r = await p.http.post(
      '/api/v1/admin/roles',
      { name: 'body_check', permissions: [] },
      { token: admin.accessToken },
    );
    expect(r.status).toBe(201);
  });

  it('serves one merged, valid OpenAPI 3.1 document with every service’s paths, and Swagger UI', async () => {
    const doc = await eventually(async () => {
      const r = await p.http.get('/openapi.json');
      return r.body['x-missing-services'] ? undefined : r.body;
    });
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/readyz',
        '/api/v1/admin/services',
        '/api/v1/auth/login',
        '/api/v1/auth/register',
        '/.well-known/jwks.json',
      ]),
    );
    const tags = new Set(
      Object.values(doc.paths).flatMap((item) =>
        Object.values(item as Record<string, { tags?: string[] }>).flatMap((op) => op.tags ?? []),
      ),
    );
    expect([...tags]).toEqual(expect.arrayContaining(['auth', 'platform']));

    const docs = await fetch(`${p.url}/docs`);
    expect(docs.status).toBe(200);
    const html = await docs.text();
    expect(html).toContain('swagger-ui');
    const bundle = await fetch(`${p.url}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });

  it('shows instances, health and circuit state to admins', async () => {
    const admin = await loginAdmin(p);
    const r = await p.http.get('/api/v1/admin/services', { token: admin.accessToken });
    expect(r.status).toBe(200);
    const auth = r.body.services.find((s: { name: string }) => s.name === 'auth');
    expect(auth.circuit).toBe('closed');
    expect(auth.instances[0]).toMatchObject({ healthy: true, url: p.services.auth!.url });
    const u = await createVerifiedUser(p);
    expect((await p.http.get('/api/v1/admin/services', { token: u.accessToken })).status).toBe(403);
  });
});

describe('service discovery', () => {
  const metricCount = async (url: string) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('http_request_duration_seconds_count') && l.includes('status="200"'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };

  it('balances across a second instance and loses no request when it leaves', async () => {
    const second = await p.startInstance('auth');
    const first = p.services.auth!;
    const before = [await metricCount(first.url), await metricCount(second.url)];
    for (let i = 0; i < 20; i++) expect((await p.http.get('/.well-known/jwks.json')).status).toBe(200);
    const after = [await metricCount(first.url), await metricCount(second.url)];
    expect(after[0]! - before[0]!).toBeGreaterThanOrEqual(5);
    expect(after[1]! - before[1]!).toBeGreaterThanOrEqual(5);

    // Keep traffic flowing while the second instance stops: every request still succeeds.
    let stop = false;
    const statuses: number[] = [];
    const traffic = (async () => {
      while (!stop) statuses.push((await p.http.get('/.well-known/jwks.json')).status);
    })();
    await new Promise((r) => setTimeout(r, 200));
    await second.stop();
    await new Promise((r) => setTimeout(r, 2_500));
    stop = true;
    await traffic;
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('answers 503 at once for a service that is down, and routes again when it is back', async () => {
    const { accessToken } = await createVerifiedUser(p);
    await p.services.user!.stop();
    const t = Date.now();
    const down = await p.http.get('/api/v1/users/me', { token: accessToken });
    expect(Date.now() - t).toBeLessThan(2_000);
    expect(down.status).toBe(503);
    expect(down.body.code).toMatch(/service_unavailable|circuit_open/);
    await eventually(async () => (await p.http.get('/readyz')).status === 503, 5_000);

    p.services.user = await p.startInstance('user');
    await eventually(async () => (await p.http.get('/readyz')).status === 200, 10_000);
    const back = await p.http.get('/api/v1/users/me', { token: accessToken });
    expect(back.status).not.toBe(503);
  });
});
