import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRegistry } from '@petpro/kit';
import { okHandler, request, startGateway, startUpstream, type FakeUpstream, type TestGateway } from './harness.ts';

const APP = 'https://app.petpro.test';
const preflight = (origin: string, method = 'POST', headers = 'authorization,content-type') => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
});

describe('CORS with explicit origins', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let clinic: FakeUpstream;

  beforeAll(async () => {
    clinic = await startUpstream(registry, 'clinic', okHandler('clinic'));
    gw = await startGateway({ registry, env: { CORS_ORIGINS: `${APP}, http://localhost:5173` } });
  });
  afterAll(async () => {
    await gw?.stop();
    await clinic?.stop();
  });

  it('answers a preflight from an allowed origin itself with 204', async () => {
    const r = await request(gw.url, '/api/v1/clinics?preflight=1', preflight(APP));
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe(APP);
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.headers['access-control-allow-methods']).toContain('POST');
    expect(r.headers['access-control-allow-headers']).toContain('Authorization');
    expect(r.headers['access-control-max-age']).toBe('600');
    expect(r.headers['vary']).toContain('Origin');
    expect(clinic.seen.some((s) => s.includes('preflight=1'))).toBe(false);
  });

  it('refuses a preflight from another origin with 403 problem+json', async () => {
    const r = await request(gw.url, '/api/v1/clinics', preflight('https://evil.example'));
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('cors_origin_denied');
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    // An origin that only looks like an allowed one is another origin.
    expect((await request(gw.url, '/api/v1/clinics', preflight('https://app.petpro.test.evil.example'))).status).toBe(
      403,
    );
    expect((await request(gw.url, '/api/v1/clinics', preflight('http://app.petpro.test'))).status).toBe(403);
  });

  it('adds CORS headers to normal responses for allowed origins only', async () => {
    const ok = await request(gw.url, '/api/v1/clinics', { headers: { origin: APP } });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(APP);
    expect(ok.headers['access-control-expose-headers']).toContain('RateLimit');
    expect(ok.headers['vary']).toContain('Origin');
    const other = await request(gw.url, '/api/v1/clinics', { headers: { origin: 'https://evil.example' } });
    expect(other.status).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('puts CORS headers on the gateway’s own errors, so a page can read a 429 or 401', async () => {
    const r = await request(gw.url, '/api/v1/pets', { headers: { origin: APP } });
    expect(r.status).toBe(401);
    expect(r.headers['access-control-allow-origin']).toBe(APP);
  });
});

describe('CORS with any origin', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let clinic: FakeUpstream;

  beforeAll(async () => {
    clinic = await startUpstream(registry, 'clinic', okHandler('clinic'));
    gw = await startGateway({ registry, env: { CORS_ORIGINS: '*', CORS_CREDENTIALS: 'true' } });
  });
  afterAll(async () => {
    await gw?.stop();
    await clinic?.stop();
  });

  it('never allows credentials with *', async () => {
    const r = await request(gw.url, '/api/v1/clinics', preflight('https://anyone.example'));
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('CORS by default', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('allows no cross-origin browser access until origins are configured', async () => {
    const r = await request(gw.url, '/api/v1/clinics', preflight('http://localhost:5173'));
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('cors_origin_denied');
  });
});
