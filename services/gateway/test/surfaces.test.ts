/**
 * Issue 10: internal surfaces stay internal, a revoked or bad token is never passed on, an oversized
 * upload gets its 413, and one client cannot open a circuit for everyone. Through the real gateway,
 * with upstreams that record what reaches them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { MemoryRegistry, ServiceCredentials } from '@petpro/kit';
import { eventually } from '@petpro/kit/testing';
import {
  TEST_SECRET,
  clientAddresses,
  okHandler,
  request,
  startFakeAuth,
  startGateway,
  startUpstream,
  stopAll,
  type FakeUpstream,
  type TestGateway,
} from './harness.ts';

describe('internal surfaces', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let serviceToken: string;

  beforeAll(async () => {
    gw = await startGateway({ registry, env: { RATE_LIMIT_PER_MINUTE: '5', AUTO_BLOCK_THRESHOLD: '0' } });
    serviceToken = await new ServiceCredentials(TEST_SECRET, 'clinic').token();
  });
  afterAll(() => stopAll(gw));

  it('serves neither the registry nor metrics on the public port, even with a service credential', async () => {
    const from = '127.60.0.1';
    const headers = { 'x-service-token': serviceToken };
    for (const path of ['/metrics', '/internal/registry/instances', '/internal/sessions/revocations'])
      expect((await request(gw.url, path, { from, headers })).status, path).toBe(404);
    const rogue = await request(gw.url, '/internal/registry/instances', {
      from: '127.60.0.2',
      method: 'POST',
      headers,
      body: {
        id: 'auth-rogue',
        name: 'auth',
        url: 'http://127.0.0.1:1',
        version: 'x',
        healthUrl: 'http://127.0.0.1:1',
      },
    });
    expect(rogue.status).toBe(404);
    expect(await registry.list('auth')).toEqual([]);
  });

  it('serves them on the internal listener, checking the credential before reading any body', async () => {
    const metrics = await request(gw.internalUrl, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('gateway_requests_total');
    // Malformed JSON without a credential is a 401, not a 400: the body was never parsed.
    const anonymous = await request(gw.internalUrl, '/internal/registry/instances', {
      method: 'POST',
      raw: '{"id":',
      headers: { 'content-type': 'application/json' },
    });
    expect(anonymous.status).toBe(401);
    const registered = await request(gw.internalUrl, '/internal/registry/instances', {
      method: 'POST',
      headers: { 'x-service-token': serviceToken },
      body: {
        id: 'clinic-1',
        name: 'clinic',
        url: 'http://127.0.0.1:1',
        version: 'x',
        healthUrl: 'http://127.0.0.1:1',
      },
    });
    expect(registered.status).toBe(204);
    expect((await registry.list('clinic')).map((i) => i.id)).toEqual(['clinic-1']);
    await registry.deregister('clinic-1');
  });

  it('counts every public request against the limits, unknown and internal paths included', async () => {
    const from = '127.60.0.3';
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await request(gw.url, `/internal/registry/x${i}`, { from })).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429]);
  });
});

describe('tokens on public routes', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let auth: Awaited<ReturnType<typeof startFakeAuth>>;
  let clinic: FakeUpstream;
  const seenAuthorization: Array<string | undefined> = [];

  beforeAll(async () => {
    auth = await startFakeAuth(registry);
    clinic = await startUpstream(registry, 'clinic', (req, res) => {
      seenAuthorization.push(req.headers.authorization);
      okHandler('clinic')(req, res, Buffer.alloc(0));
    });
    gw = await startGateway({ registry });
  });
  afterAll(() => stopAll(gw, clinic, auth?.upstream));

  // Regression (issue 10): a revoked session's token was still forwarded on public routes, and the
  // services' optional auth honoured it.
  it(
    'passes a valid token on, and drops a revoked, ' + 'forged or expired one (the request goes on anonymous)',
    async () => {
      const sessionId = randomUUID();
      const token = await auth.token({ sessionId });
      expect((await request(gw.url, '/api/v1/clinics', { headers: { authorization: `Bearer ${token}` } })).status).toBe(
        200,
      );
      expect(seenAuthorization.at(-1)).toBe(`Bearer ${token}`);

      auth.revoke(sessionId);
      await eventually(async () => {
        await request(gw.url, '/api/v1/clinics', { headers: { authorization: `Bearer ${token}` } });
        return seenAuthorization.at(-1) === undefined;
      }, 6_000);
      const revoked = await request(gw.url, '/api/v1/clinics', { headers: { authorization: `Bearer ${token}` } });
      expect(revoked.status).toBe(200);
      expect(seenAuthorization.at(-1)).toBeUndefined();
      // On a protected route the same token is a 401.
      const refused = await request(gw.url, '/api/v1/clinics', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: {},
      });
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('session_revoked');

      const forged = `${token.slice(0, -4)}AAAA`;
      expect(
        (await request(gw.url, '/api/v1/clinics', { headers: { authorization: `Bearer ${forged}` } })).status,
      ).toBe(200);
      expect(seenAuthorization.at(-1)).toBeUndefined();
    },
  );
});

describe('oversized uploads', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let auth: Awaited<ReturnType<typeof startFakeAuth>>;
  let user: FakeUpstream;

  beforeAll(async () => {
    auth = await startFakeAuth(registry);
    user = await startUpstream(registry, 'user', okHandler('user'));
    gw = await startGateway({ registry });
  });
  afterAll(() => stopAll(gw, user, auth?.upstream));

  // Regression (issue 10): the gateway answered 413 and closed while the client was still sending,
  // so Node's fetch saw EPIPE (a browser, a network error) instead of the answer.
  it('gives Node’s fetch the 413 for a 20 MiB avatar, announced or streamed', async () => {
    const headers = { authorization: `Bearer ${await auth.token()}` };
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(20 * 1024 * 1024, 1)], { type: 'image/png' }), 'big.png');
    const announced = await fetch(`${gw.url}/api/v1/users/me/avatar`, { method: 'PUT', headers, body: form });
    expect(announced.status).toBe(413);
    expect((await announced.json()).code).toBe('payload_too_large');

    // Without a Content-Length the bytes are counted as they stream through to the service.
    const chunk = Buffer.alloc(1024 * 1024, 2);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 20) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const streamed = await fetch(`${gw.url}/api/v1/users/me/avatar`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'multipart/form-data; boundary=x' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(user.seen.filter((s) => s.startsWith('PUT'))).toEqual([]);
  }, 30_000);
});

describe('circuits and client-caused failures', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let clinic: FakeUpstream;
  const next = clientAddresses();

  beforeAll(async () => {
    clinic = await startUpstream(registry, 'clinic', (req, res) => {
      // A "bad input" that makes the service fail, for whoever sends it.
      if (req.url?.includes('cursor=evil'))
        return void res.writeHead(500, { 'content-type': 'application/problem+json' }).end('{"status":500}');
      okHandler('clinic')(req, res, Buffer.alloc(0));
    });
    gw = await startGateway({
      registry,
      env: { BREAKER_VOLUME_THRESHOLD: '4', BREAKER_ERROR_THRESHOLD_PERCENT: '50', RATE_LIMIT_PER_MINUTE: '100000' },
    });
  });
  afterAll(() => stopAll(gw, clinic));

  it('one client’s 500s never open the circuit for others; many clients’ do', async () => {
    const attacker = next();
    for (let i = 0; i < 30; i++)
      expect((await request(gw.url, '/api/v1/clinics?cursor=evil', { from: attacker })).status).toBe(500);
    expect((await request(gw.url, '/api/v1/clinics', { from: next() })).status).toBe(200);
    expect(gw.gateway.breakers.state('clinic')).toBe('closed');

    // The same failure met by distinct clients is the service failing: the circuit opens (once their
    // failures outweigh the attacker's uncounted ones, which count as answers).
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < 60 && codes.at(-1) !== 'circuit_open'; i++)
      codes.push((await request(gw.url, '/api/v1/clinics?cursor=evil', { from: next() })).body.code);
    expect(codes.at(-1)).toBe('circuit_open');
  });
});
