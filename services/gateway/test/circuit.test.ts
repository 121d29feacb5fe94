import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRegistry } from '@petpro/kit';
import { eventually } from '@petpro/kit/testing';
import {
  cleanRedis,
  clientAddresses,
  okHandler,
  request,
  startFakeAuth,
  startGateway,
  startUpstream,
  type FakeUpstream,
  type Handler,
  type TestGateway,
} from './harness.ts';

const slow =
  (ms: number): Handler =>
  (_req, res) => {
    const t = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"late":true}'), ms);
    res.on('close', () => clearTimeout(t));
  };

describe('circuit breakers per upstream', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let auth: Awaited<ReturnType<typeof startFakeAuth>>;
  let booking: FakeUpstream;
  let clinic: FakeUpstream;
  let user: FakeUpstream;
  let admin: Record<string, string>;

  const circuitOf = async (service: string) => {
    const r = await request(gw.url, '/api/v1/admin/services', { headers: admin });
    return r.body.services?.find((s) => s.name === service)?.circuit;
  };

  beforeAll(async () => {
    auth = await startFakeAuth(registry);
    booking = await startUpstream(registry, 'booking', okHandler('booking'));
    clinic = await startUpstream(registry, 'clinic', okHandler('clinic'));
    user = await startUpstream(registry, 'user', okHandler('user'));
    gw = await startGateway({
      registry,
      env: {
        UPSTREAM_TIMEOUT_MS: '1000',
        BREAKER_VOLUME_THRESHOLD: '4',
        BREAKER_ERROR_THRESHOLD_PERCENT: '50',
        BREAKER_RESET_TIMEOUT_MS: '3000',
        BREAKER_WINDOW_MS: '10000',
      },
    });
    admin = { authorization: `Bearer ${await auth.token({ roles: ['admin'] })}` };
  });
  afterAll(async () => {
    await gw?.stop();
    await Promise.all([booking, clinic, user].map((u) => u?.stop()));
    await auth?.upstream.stop();
  });

  it(
    'opens for a slow service after the threshold, fails fast while open, ' +
      'leaves other services’ latency alone, and closes after recovery',
    async () => {
      booking.setHandler(slow(5_000));
      // Other services are measured while the slow one times out.
      let stop = false;
      const otherLatencies: number[] = [];
      const other = (async () => {
        while (!stop) {
          const r = await request(gw.url, '/api/v1/clinics');
          expect(r.status).toBe(200);
          otherLatencies.push(r.ms);
          await sleep(20);
        }
      })();

      const seen: Array<{ status: number; code?: string; ms: number; retryAfter?: string }> = [];
      // Timeouts count once per client per window (one client cannot open a circuit for everyone):
      // several clients meet the slow service.
      const from = clientAddresses();
      for (let i = 0; i < 12 && seen.at(-1)?.code !== 'circuit_open'; i++) {
        const r = await request(gw.url, '/api/v1/availability', { from: from() });
        seen.push({
          status: r.status,
          code: r.body.code,
          ms: r.ms,
          retryAfter: r.headers['retry-after'] as string | undefined,
        });
      }
      const timeouts = seen.filter((s) => s.status === 504);
      expect(timeouts.length).toBeGreaterThanOrEqual(4);
      for (const t of timeouts) {
        expect(t.code).toBe('upstream_timeout');
        expect(t.ms).toBeGreaterThanOrEqual(990);
      }
      const open = seen.at(-1)!;
      expect(open).toMatchObject({ status: 503, code: 'circuit_open' });
      // Fast: well under the 1 s the timeouts took (the bound leaves room for a loaded CI machine).
      expect(open.ms).toBeLessThan(700);
      expect(Number(open.retryAfter)).toBeGreaterThanOrEqual(1);
      // Still fast and still open on the next calls.
      const again = await request(gw.url, '/api/v1/availability');
      expect(again.body.code).toBe('circuit_open');
      expect(again.ms).toBeLessThan(700);
      expect(await circuitOf('booking')).toBe('open');
      expect(await circuitOf('clinic')).toBe('closed');
      const metrics = await request(gw.internalUrl, '/metrics');
      expect(metrics.text).toMatch(/petpro_circuit_state\{service="booking"[^}]*\} 2/);

      stop = true;
      await other;
      expect(otherLatencies.length).toBeGreaterThan(5);
      // Nothing of the slow service's 1 s timeouts leaks into another service's latency.
      expect(Math.max(...otherLatencies)).toBeLessThan(900);

      // Recovery: after the reset timeout a probe goes through and closes the circuit.
      booking.setHandler(okHandler('booking'));
      await eventually(async () => (await request(gw.url, '/api/v1/availability')).status === 200, 8_000, 100);
      expect(await circuitOf('booking')).toBe('closed');
      expect((await request(gw.internalUrl, '/metrics')).text).toMatch(
        /petpro_circuit_state\{service="booking"[^}]*\} 0/,
      );
    },
  );

  it('opens for a stopped service and closes when it is back', async () => {
    await user.stop();
    const codes: string[] = [];
    for (let i = 0; i < 12 && codes.at(-1) !== 'circuit_open'; i++) {
      const r = await request(gw.url, '/api/v1/users/me', { headers: admin });
      expect(r.status).toBe(503);
      expect(r.ms).toBeLessThan(1_000);
      codes.push(String(r.body.code));
    }
    expect(codes.at(-1)).toBe('circuit_open');
    expect(await circuitOf('user')).toBe('open');
    // Other services are unaffected.
    expect((await request(gw.url, '/api/v1/clinics')).status).toBe(200);

    user = await startUpstream(registry, 'user', okHandler('user'));
    await gw.gateway.pool.refresh();
    await eventually(
      async () => (await request(gw.url, '/api/v1/users/me', { headers: admin })).status === 200,
      8_000,
      100,
    );
    expect(await circuitOf('user')).toBe('closed');
  });

  it('does not count client errors (4xx) as failures', async () => {
    clinic.setHandler((_req, res) =>
      res
        .writeHead(404, { 'content-type': 'application/problem+json' })
        .end('{"code":"clinic_not_found","status":404}'),
    );
    for (let i = 0; i < 10; i++) expect((await request(gw.url, '/api/v1/clinics/none')).status).toBe(404);
    expect(await circuitOf('clinic')).toBe('closed');
    clinic.setHandler(okHandler('clinic'));
  });
});

describe.skipIf(!process.env.REDIS_URL)('circuit state shared by the gateways through Redis', () => {
  const registry = new MemoryRegistry();
  const env = {
    REDIS_URL: process.env.REDIS_URL ?? '',
    REDIS_KEY_PREFIX: `petpro-test-${randomBytes(5).toString('hex')}:`,
    BREAKER_VOLUME_THRESHOLD: '4',
    BREAKER_ERROR_THRESHOLD_PERCENT: '50',
    BREAKER_RESET_TIMEOUT_MS: '3000',
    BREAKER_WINDOW_MS: '10000',
  };
  let a: TestGateway;
  let b: TestGateway;
  let late: TestGateway | undefined;
  let auth: Awaited<ReturnType<typeof startFakeAuth>>;
  let booking: FakeUpstream;
  let others: FakeUpstream[];
  let admin: Record<string, string>;
  let bookingHits = 0;

  const circuitOf = async (gw: TestGateway, service: string) => {
    const r = await request(gw.url, '/api/v1/admin/services', { headers: admin });
    return r.body.services?.find((s) => s.name === service)?.circuit;
  };

  beforeAll(async () => {
    auth = await startFakeAuth(registry);
    booking = await startUpstream(registry, 'booking', okHandler('booking'));
    others = [
      await startUpstream(registry, 'clinic', okHandler('clinic')),
      await startUpstream(registry, 'user', okHandler('user')),
    ];
    a = await startGateway({ registry, env });
    b = await startGateway({ registry, env });
    admin = { authorization: `Bearer ${await auth.token({ roles: ['admin'] })}` };
  });
  afterAll(async () => {
    await Promise.all([a, b, late].map((g) => g?.stop()));
    await Promise.all([booking, ...(others ?? [])].map((u) => u?.stop()));
    await auth?.upstream.stop();
    await cleanRedis(env.REDIS_URL, env.REDIS_KEY_PREFIX);
  });

  it('opens on every gateway when one opens it, and closes on every gateway after one successful probe', async () => {
    booking.setHandler((_req, res) => {
      bookingHits++;
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"broken":true}');
    });
    const from = clientAddresses();
    for (let i = 0; i < 12 && (await circuitOf(a, 'booking')) !== 'open'; i++)
      await request(a.url, '/api/v1/availability', { from: from() });
    expect(await circuitOf(a, 'booking')).toBe('open');

    // Gateway b has not seen a single failure, yet refuses at once: the failing service is spared.
    await eventually(async () => (await circuitOf(b, 'booking')) === 'open', 1_000, 50);
    const hitsBefore = bookingHits;
    const r = await request(b.url, '/api/v1/availability', { from: from() });
    expect(r.status).toBe(503);
    expect(r.body.code).toBe('circuit_open');
    expect(bookingHits).toBe(hitsBefore);
    // Other services stay closed on both.
    expect(await circuitOf(b, 'clinic')).toBe('closed');

    // A gateway that starts while the circuit is open learns it from Redis.
    late = await startGateway({ registry, env });
    expect(await circuitOf(late, 'booking')).toBe('open');

    // Recovery: one probe through a closes the circuit on b (and the late one) too.
    booking.setHandler(okHandler('booking'));
    await eventually(async () => (await request(a.url, '/api/v1/availability')).status === 200, 8_000, 100);
    expect(await circuitOf(a, 'booking')).toBe('closed');
    await eventually(async () => (await circuitOf(b, 'booking')) === 'closed', 1_000, 50);
    await eventually(async () => (await circuitOf(late!, 'booking')) === 'closed', 1_000, 50);
    expect((await request(b.url, '/api/v1/availability')).status).toBe(200);
  });
});
