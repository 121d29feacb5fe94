/**
 * Real-time fan-out across replicas: two booking replicas and two gateways sharing a Redis (registry,
 * limits, and the outbox nudge), on the shared Redis under a key prefix of this test. A booking made
 * through one gateway reaches sockets held through the other gateway on both replicas within 1 s,
 * with the hubs' own polling set far slower than that, so only the Redis nudge can deliver in time.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { RedisRegistry, ServiceCredentials, closeServer, createLogger, createRedis } from '@petpro/kit';
import { buildGateway } from '../services/gateway/src/app.ts';
import { parseGatewayConfig } from '../services/gateway/src/config.ts';
import { startPlatform, TEST_SECRET, type Platform } from '../test/platform.ts';
import { openSocket, type TestSocket } from '../test/realtime.ts';
import {
  createClinic,
  createOwner,
  LUNCH_BREAK,
  mondayAhead,
  putRules,
  weeklyRules,
} from '../services/booking/test/helpers.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `t-rt-${randomBytes(4).toString('hex')}:`;
const redis = createRedis(REDIS_URL);
redis.on('error', () => {});
const registry = new RedisRegistry(redis, prefix);

let p: Platform;
let second: { url: string; stop(): Promise<void> };
const sockets: TestSocket[] = [];

beforeAll(async () => {
  const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, BOOKING_REALTIME_POLL_MS: '20000' };
  p = await startPlatform({ databaseUrl: inject('databaseUrl'), registry, env });
  await p.startInstance('booking');
  // A second gateway on the same registry and Redis, as another process would be.
  const gateway = buildGateway({
    config: parseGatewayConfig({ ...p.env, GATEWAY_PORT: '0' }),
    log: createLogger('gateway', 'silent'),
    registry,
    credentials: new ServiceCredentials(TEST_SECRET, 'gateway'),
  });
  const gw = await gateway.listen({ port: 0, host: '127.0.0.1' });
  await gateway.start();
  await gateway.pool.refresh();
  second = {
    url: `http://127.0.0.1:${gw.port}`,
    async stop() {
      await closeServer(gw.server, 500);
      await gateway.close();
    },
  };
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await second?.stop();
  await p?.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

/** Open sockets per booking replica, from each replica's own metrics. */
async function socketsPerReplica(): Promise<number[]> {
  const urls = (await registry.list('booking')).map((i) => i.url);
  return Promise.all(
    urls.map(async (u) => {
      const text = await (await fetch(`${u}/metrics`)).text();
      return Number(/^booking_websockets_open(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
    }),
  );
}

describe('real-time across replicas', () => {
  const acrossReplicas =
    'delivers a booking made through one gateway to sockets on both replicas through the other within 1 s';
  it(acrossReplicas, async () => {
    const clinic = await createClinic(p);
    await putRules(p, clinic, weeklyRules([1, 2, 3, 4, 5, 6], LUNCH_BREAK));
    const owner = await createOwner(p);
    // Through the second gateway, round-robin: one socket on each booking replica.
    for (let i = 0; i < 2; i++) sockets.push(await openSocket(second.url, { token: owner.accessToken }));
    expect((await socketsPerReplica()).sort()).toEqual([1, 1]);

    for (const time of ['09:00', '10:00', '11:00']) {
      const from = sockets.map((s) => s.messages.length);
      const t0 = Date.now();
      const res = await p.http.post(
        '/api/v1/bookings',
        {
          clinicId: clinic.id,
          serviceId: clinic.services[0]!.id,
          petIds: [owner.petId],
          start: `${mondayAhead(clinic.timeZone)}T${time}:00+07:00`,
        },
        { token: owner.accessToken },
      );
      expect(res.status).toBe(201);
      await Promise.all(
        sockets.map((s, i) =>
          s.next(
            (m) => m.type === 'booking.created' && (m.data?.booking as { id?: string } | undefined)?.id === res.body.id,
            1_000,
            from[i],
          ),
        ),
      );
      expect(Date.now() - t0).toBeLessThan(1_500);
    }
  });
});
