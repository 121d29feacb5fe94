/**
 * Gateway protection against the real platform: the real auth service issues the admin token and
 * refuses the bad logins, the real services answer behind the gateway.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ServiceCredentials, closeServer, createLogger, listen } from '@petpro/kit';
import { eventually } from '@petpro/kit/testing';
import { TEST_SECRET, startPlatform, type Platform } from '../../../test/platform.ts';
import { loginAdmin } from '../../../test/users.ts';
import { buildGateway } from '../src/app.ts';
import { parseGatewayConfig } from '../src/config.ts';
import { request } from './harness.ts';

let p: Platform;
let admin: Record<string, string>;

beforeAll(async () => {
  p = await startPlatform({
    databaseUrl: inject('databaseUrl'),
    env: { AUTO_BLOCK_THRESHOLD: '5', AUTO_BLOCK_MINUTES: '1', BREAKER_RESET_TIMEOUT_MS: '3000' },
  });
  admin = { authorization: `Bearer ${(await loginAdmin(p)).accessToken}` };
});
afterAll(async () => {
  await p?.stop();
});

describe('gateway protection on the real platform', () => {
  it('documents the IP-block admin routes in the merged OpenAPI', async () => {
    const doc = await eventually(async () => {
      const r = await p.http.get('/openapi.json');
      return r.body['x-missing-services'] ? undefined : (r.body as { paths: Record<string, Record<string, unknown>> });
    });
    expect(Object.keys(doc.paths['/api/v1/admin/ip-blocks'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/admin/ip-blocks/{id}'] ?? {})).toEqual(['delete']);
  });

  it('auto-blocks a client hammering the real login route, and only that client', async () => {
    const from = '127.80.0.1';
    const statuses: number[] = [];
    for (let i = 0; i < 20 && statuses.at(-1) !== 403; i++) {
      statuses.push(
        (
          await request(p.url, '/api/v1/auth/login', {
            from,
            method: 'POST',
            body: { email: 'nobody@example.test', password: `Guess-number-${i}` },
          })
        ).status,
      );
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.at(-1)).toBe(403);
    expect((await request(p.url, '/.well-known/jwks.json', { from })).body.code).toBe('ip_blocked');
    expect((await request(p.url, '/.well-known/jwks.json', { from: '127.80.0.2' })).status).toBe(200);
    const list = await request(p.url, '/api/v1/admin/ip-blocks', { headers: admin });
    expect(list.body.items).toContainEqual(expect.objectContaining({ cidr: '127.80.0.1/32', source: 'auto' }));
  });

  it(
    'lets an admin block a CIDR: refused at once, ' + 'still refused by a restarted gateway, lifted on delete',
    async () => {
      const created = await request(p.url, '/api/v1/admin/ip-blocks', {
        method: 'POST',
        headers: admin,
        body: { cidr: '127.81.0.0/24', reason: 'abuse report', durationMinutes: 30 },
      });
      expect(created.status).toBe(201);
      expect((await request(p.url, '/.well-known/jwks.json', { from: '127.81.0.5' })).status).toBe(403);

      // A second gateway over the same data folder and registry, as after a restart.
      const config = parseGatewayConfig({ ...p.env, GATEWAY_PORT: '0' });
      const gateway = buildGateway({
        config,
        log: createLogger('gateway', 'silent'),
        registry: p.registry,
        credentials: new ServiceCredentials(TEST_SECRET, 'gateway'),
      });
      const { server, port } = await listen(gateway.app, 0, '127.0.0.1', gateway.serverOptions);
      gateway.attach(server);
      await gateway.start();
      await gateway.pool.refresh();
      const url = `http://127.0.0.1:${port}`;
      try {
        expect((await request(url, '/.well-known/jwks.json', { from: '127.81.0.5' })).status).toBe(403);
        expect(
          (await request(url, `/api/v1/admin/ip-blocks/${created.body.id}`, { method: 'DELETE', headers: admin }))
            .status,
        ).toBe(204);
        expect((await request(url, '/.well-known/jwks.json', { from: '127.81.0.5' })).status).toBe(200);
      } finally {
        await closeServer(server, 500);
        await gateway.close();
      }
      // The first gateway reads the removal from the shared file within its poll interval.
      await eventually(
        async () => (await request(p.url, '/.well-known/jwks.json', { from: '127.81.0.5' })).status === 200,
        4_000,
        100,
      );
    },
  );

  it('opens the circuit of a stopped service and closes it when the service is back', async () => {
    await p.services.booking!.stop();
    const codes: string[] = [];
    for (let i = 0; i < 12 && codes.at(-1) !== 'circuit_open'; i++) {
      const r = await request(p.url, '/api/v1/availability');
      expect(r.status).toBe(503);
      codes.push(String(r.body.code));
    }
    expect(codes.at(-1)).toBe('circuit_open');
    const services = await request(p.url, '/api/v1/admin/services', { headers: admin });
    expect(services.body.services?.find((s) => s.name === 'booking')?.circuit).toBe('open');
    expect((await request(p.url, '/.well-known/jwks.json')).status).toBe(200);

    p.services.booking = await p.startInstance('booking');
    await eventually(async () => (await request(p.url, '/api/v1/availability')).status !== 503, 10_000, 200);
    const after = await request(p.url, '/api/v1/admin/services', { headers: admin });
    expect(after.body.services?.find((s) => s.name === 'booking')?.circuit).toBe('closed');
  });
});
