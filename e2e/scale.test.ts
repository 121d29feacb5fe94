/**
 * Scale-out proven on one machine: the real launcher with `--scale gateway=2,booking=2` (and one of
 * each other service) as real processes, on a PostgreSQL and a Redis that this test starts itself on
 * free ports (the shared servers are never stopped). It shows one rate-limit budget and IP blocks
 * reaching every gateway, no double booking and one booking per Idempotency-Key across booking
 * replicas, then, under a steady stream of bookings through both gateways: kill -9 of a booking
 * replica, of a gateway, Redis stopped for 10 s and PostgreSQL restarted, with no acknowledged booking
 * lost or duplicated and errors only 503/504 problem+json.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '@petpro/kit/embedded-db';
import {
  eventually,
  httpClient,
  startRedisServer,
  startSmtpCapture,
  type RedisServer,
  type SmtpCapture,
} from '@petpro/kit/testing';
import { ADMIN } from '../test/platform.ts';
import { adminOf, createVerifiedUser, type TestUser } from '../test/users.ts';
import { serviceDb } from '../test/databases.ts';
import {
  createClinic,
  createOwner,
  localIso,
  putRules,
  weeklyRules,
  type ClinicFixture,
} from '../services/booking/test/helpers.ts';
import { startLauncher, type Launcher } from '../test/launcher.ts';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
const ZONE = 'Asia/Jakarta';
const OPEN = { start: '06:00', end: '22:00' };
const SLOTS_PER_DAY = 64; // 06:00-22:00 every 15 minutes
const RATE_LIMIT = 300;

let dataDir: string | undefined;
let pgDir: string | undefined;
let db: EmbeddedDatabase | undefined;
let redis: RedisServer | undefined;
let smtp: SmtpCapture | undefined;
let launcher: Launcher | undefined;

afterAll(async () => {
  await launcher?.stop();
  await redis?.stop();
  await db?.stop();
  await smtp?.close();
  for (const d of [dataDir, pgDir]) if (d) rmSync(d, { recursive: true, force: true });
});

/** POST requests a booking replica has answered (from its own Prometheus metrics); undefined while it is down. */
async function postsServed(port: number): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1_000) })).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('http_request_duration_seconds_count{') && l.includes('method="POST"'))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  } catch {
    return undefined;
  }
}

interface Attempt {
  gateway: number;
  status: number | 'network';
  problem: boolean;
  code?: string;
  phase: string;
}
interface LogicalBooking {
  key: string;
  owner: TestUser;
  body: Record<string, unknown>;
  acks: Array<{ id: string; status: number }>;
  attempts: Attempt[];
}

describe.skipIf(!hasRedisServer)('scale-out: 2 gateways, 2 booking replicas, shared PostgreSQL and Redis', () => {
  it('shares limits and blocks, never double-books, and loses nothing through kills and restarts', async () => {
    const t0 = Date.now();
    const timings: Record<string, number> = {};
    pgDir = mkdtempSync(path.join(os.tmpdir(), 'petpro-scale-pg-'));
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'petpro-scale-data-'));
    [db, redis, smtp] = await Promise.all([
      startEmbeddedPostgres({ dir: pgDir }),
      startRedisServer(),
      startSmtpCapture(),
    ]);
    const bookingPort = await freePort();
    launcher = await startLauncher({
      args: ['--scale', 'gateway=2,booking=2'],
      gateways: 2,
      env: {
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        SMTP_URL: smtp.url,
        PETPRO_DATA_DIR: dataDir,
        BOOKING_PORT: String(bookingPort),
        PETPRO_ADMIN_EMAIL: ADMIN.email,
        PETPRO_ADMIN_PASSWORD: ADMIN.password,
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
        // Set-up registers users from this one address: keep the per-IP auth limits out of the way.
        RATE_LIMIT_AUTH_PER_MINUTE: '10000',
        AUTH_IP_LIMIT_FACTOR: '100',
        AUTO_BLOCK_THRESHOLD: '0',
        // Client addresses below come from X-Forwarded-For only when the peer (this test) is trusted.
        TRUST_PROXY: '127.0.0.1/32',
      },
    });
    const { gateways, child: childOf } = launcher;
    const ready = (url: string) => launcher!.isReady(url, 2);
    await launcher.ready(90_000, 2);
    timings.platformReady = Date.now() - t0;
    await eventually(() => launcher!.output().includes('PetPro is running'), 5_000);
    for (const g of gateways) expect(launcher.output()).toContain(g.replace('127.0.0.1', 'localhost'));
    const bookingPorts = [childOf('booking#1').port, childOf('booking#2').port];
    expect(bookingPorts[0]).toBe(bookingPort);

    const p = { http: httpClient(gateways[0]!), smtp };
    const http2 = httpClient(gateways[1]!);
    const clients = [p.http, http2];
    const clinic: ClinicFixture = await createClinic(p, {
      weekdays: [1, 2, 3, 4, 5, 6, 7],
      ranges: [OPEN],
      services: [{ name: 'Vaksinasi', durationMinutes: 15 }],
    });
    await putRules(p, clinic, weeklyRules([1, 2, 3, 4, 5, 6, 7], [OPEN]));
    const owners = await Promise.all(Array.from({ length: 6 }, (_, i) => createOwner(p, `Pemilik ${i}`)));
    const base = DateTime.now().setZone(ZONE).startOf('day').plus({ days: 3 });
    const slot = (i: number) => {
      const date = base.plus({ days: Math.floor(i / SLOTS_PER_DAY) }).toISODate()!;
      const minutes = 6 * 60 + (i % SLOTS_PER_DAY) * 15;
      const time = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
      return localIso(date, time, ZONE);
    };
    const bookingBody = (owner: { petId: string }, start: string, staffId?: string) => ({
      clinicId: clinic.id,
      serviceId: clinic.services[0]!.id,
      petIds: [owner.petId],
      start,
      ...(staffId ? { staffId } : {}),
    });
    const dbView = { dbUrls: { booking: `${db.url.replace(/\/postgres$/, '')}/petpro_booking` } };
    timings.fixtures = Date.now() - t0;

    // --- One rate-limit budget across both gateways -------------------------------------------------
    const limited = await createVerifiedUser(p);
    const me = (g: number) => clients[g]!.get('/api/v1/auth/me', { token: limited.accessToken });
    const remaining = (r: { headers: Headers }) => Number(/r=(\d+)/.exec(r.headers.get('ratelimit') ?? '')?.[1]);
    const first = await me(0);
    const second = await me(1);
    expect([first.status, second.status]).toEqual([200, 200]);
    // The second gateway counts on from the first one's count, not from a budget of its own.
    expect(remaining(second)).toBe(remaining(first) - 1);
    let left = remaining(second);
    const spend = async (g: number) => {
      while (left > 0) {
        left--;
        expect((await me(g)).status).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => spend(i % 2)));
    for (const g of [0, 1]) {
      const over = await me(g);
      expect(over.status).toBe(429);
      expect(over.headers.get('content-type')).toContain('application/problem+json');
    }

    // --- An IP block made on one gateway reaches the other within 2 s -------------------------------
    const adminUser = await adminOf(p);
    const blocked = { 'x-forwarded-for': '203.0.113.9' };
    expect((await http2.get('/api/v1/clinics', { headers: blocked })).status).toBe(200);
    const block = await p.http.post(
      '/api/v1/admin/ip-blocks',
      { cidr: '203.0.113.0/24', durationMinutes: 10, reason: 'scale test' },
      { token: adminUser.accessToken },
    );
    expect(block.status, block.text).toBe(201);
    const blockedAt = Date.now();
    await eventually(async () => (await http2.get('/api/v1/clinics', { headers: blocked })).status === 403, 2_000, 50);
    timings.blockReachedSecondGateway = Date.now() - blockedAt;

    // --- No double booking across booking replicas: a crowd for one staff member's slot -------------
    const crowdStart = slot(SLOTS_PER_DAY * 50);
    const crowd = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        clients[i % 2]!.post('/api/v1/bookings', bookingBody(owners[i % 6]!, crowdStart, clinic.staff[0]!.id), {
          token: owners[i % 6]!.accessToken,
        }),
      ),
    );
    expect(crowd.map((r) => r.status).sort()).toEqual([201, ...Array(29).fill(409)]);
    expect(crowd.filter((r) => r.status === 409).every((r) => r.body.code === 'slot_unavailable')).toBe(true);
    // Both booking replicas took part in the crowd.
    for (const port of bookingPorts) expect(await postsServed(port)).toBeGreaterThan(0);

    // --- One Idempotency-Key, sent concurrently through both gateways: one booking ------------------
    const sameKey = randomUUID();
    const sameBody = bookingBody(owners[0]!, slot(SLOTS_PER_DAY * 51));
    const replays = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        clients[i % 2]!.post('/api/v1/bookings', sameBody, {
          token: owners[0]!.accessToken,
          headers: { 'idempotency-key': sameKey },
        }),
      ),
    );
    expect(replays.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(replays.map((r) => r.body.id)).size).toBe(1);
    expect(
      await serviceDb(dbView, 'booking', 'select id from bookings where clinic_id = $1 and starts_at = $2', [
        clinic.id,
        sameBody.start,
      ]),
    ).toHaveLength(1);

    // --- A steady stream of bookings through both gateways, under faults ----------------------------
    let phase = 'steady';
    let next = 0;
    let streaming = true;
    const logical: LogicalBooking[] = [];
    const lastAck = [0, 0];
    const book = async (l: LogicalBooking, startGateway: number) => {
      let g = startGateway;
      const until = Date.now() + 90_000;
      while (Date.now() < until) {
        try {
          const res = await fetch(`${gateways[g]}/api/v1/bookings`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${l.owner.accessToken}`,
              'content-type': 'application/json',
              'idempotency-key': l.key,
            },
            body: JSON.stringify(l.body),
            signal: AbortSignal.timeout(20_000),
          });
          const text = await res.text();
          const body = text ? (JSON.parse(text) as { id?: string; code?: string }) : {};
          const problem = (res.headers.get('content-type') ?? '').includes('application/problem+json');
          l.attempts.push({ gateway: g, status: res.status, problem, code: body.code, phase });
          if (res.ok) {
            l.acks.push({ id: body.id!, status: res.status });
            lastAck[g] = Date.now();
            return;
          }
          if (res.status !== 503 && res.status !== 504) return; // recorded; fails the checks below
        } catch {
          l.attempts.push({ gateway: g, status: 'network', problem: false, phase });
        }
        // A client retries with the same key, through the other gateway.
        g = 1 - g;
        await sleep(200);
      }
    };
    const worker = async (w: number) => {
      while (streaming) {
        const i = next++;
        const owner = owners[i % owners.length]!;
        const l: LogicalBooking = {
          key: randomUUID(),
          owner,
          body: bookingBody(owner, slot(i)),
          acks: [],
          attempts: [],
        };
        logical.push(l);
        await book(l, (i + w) % 2);
        await sleep(300);
      }
    };
    const workers = Array.from({ length: 4 }, (_, w) => worker(w));
    const ackedSince = async (g: number, since: number, ms: number) =>
      eventually(() => lastAck[g]! > since, ms, 50).then(() => lastAck[g]! - since);
    const servedAfter = async (port: number, ms: number) => {
      const before = (await postsServed(port)) ?? 0;
      const at = Date.now();
      await eventually(async () => ((await postsServed(port)) ?? 0) > before, ms, 100);
      return Date.now() - at;
    };
    await sleep(2_000);

    // kill -9 one booking replica; the launcher restarts it.
    phase = 'booking-kill';
    const victim = childOf('booking#1');
    const killedBookingAt = Date.now();
    process.kill(victim.pid, 'SIGKILL');
    await eventually(() => childOf('booking#1').pid !== victim.pid, 10_000, 50);
    await eventually(async () => (await postsServed(victim.port)) !== undefined, 30_000, 100);
    const bookingBackAt = Date.now();
    timings.bookingReplicaRestartedAfterKill = bookingBackAt - killedBookingAt;
    timings.bookingReplicaTrafficAfterRestart = await servedAfter(victim.port, 10_000);
    timings.otherBookingReplicaStillServing = await servedAfter(bookingPorts[1]!, 5_000);

    // kill -9 one gateway: clients switch to the other; the launcher restarts it.
    phase = 'gateway-kill';
    const gwVictim = childOf('gateway#1');
    const killedGatewayAt = Date.now();
    process.kill(gwVictim.pid, 'SIGKILL');
    await eventually(() => childOf('gateway#1').pid !== gwVictim.pid, 10_000, 50);
    const gatewayRestartedAt = Date.now();
    timings.gatewayRestartedAfterKill = gatewayRestartedAt - killedGatewayAt;
    timings.gatewayTrafficBackAfterRestart = await ackedSince(0, gatewayRestartedAt, 30_000);
    await eventually(() => ready(gateways[0]!), 10_000, 100);
    phase = 'steady';
    await sleep(1_000);

    // Redis stopped for 10 s: bookings go on (registry and counters fall back), reads and logins too.
    phase = 'redis-down';
    await redis.stop();
    const redisDownAt = Date.now();
    await sleep(1_500);
    for (const c of clients) {
      expect((await c.get('/api/v1/clinics')).status).toBe(200);
      expect(
        (await c.post('/api/v1/auth/login', { email: owners[0]!.email, password: owners[0]!.password })).status,
      ).toBe(200);
    }
    const acksBeforeRedisDown = logical.filter((l) => l.acks.length).length;
    await sleep(Math.max(0, 10_000 - (Date.now() - redisDownAt)));
    timings.bookingsAckedWhileRedisDown = logical.filter((l) => l.acks.length).length - acksBeforeRedisDown;
    await redis.start();
    phase = 'redis-back';
    const redisBackAt = Date.now();
    timings.gateway1AckAfterRedis = await ackedSince(0, redisBackAt, 10_000);
    timings.gateway2AckAfterRedis = await ackedSince(1, redisBackAt, 10_000);
    // Every process is back in the (emptied) registry: both booking replicas are listed again.
    await eventually(async () => (await ready(gateways[0]!)) && (await ready(gateways[1]!)), 10_000, 100);
    timings.registryRefilledAfterRedis = Date.now() - redisBackAt;

    // PostgreSQL restarted on the same port.
    phase = 'postgres-restart';
    const pgPort = db.port;
    const pgDownAt = Date.now();
    await db.stop();
    db = await startEmbeddedPostgres({ dir: pgDir });
    expect(db.port).toBe(pgPort);
    timings.postgresDown = Date.now() - pgDownAt;
    const pgBackAt = Date.now();
    timings.gateway1AckAfterPostgres = await ackedSince(0, pgBackAt, 10_000);
    timings.gateway2AckAfterPostgres = await ackedSince(1, pgBackAt, 10_000);
    phase = 'steady';
    await sleep(1_000);
    streaming = false;
    await Promise.all(workers);
    timings.total = Date.now() - t0;

    // --- Nothing lost, nothing duplicated, only 503/504 problem+json -------------------------------
    const attempts = logical.flatMap((l) => l.attempts);
    const summary = {
      timings,
      bookings: logical.length,
      attempts: attempts.length,
      errors: attempts
        .filter((a) => a.status !== 201)
        .reduce<Record<string, number>>((acc, a) => {
          const k = `${a.phase}:${a.gateway}:${a.status}:${a.code ?? ''}`;
          acc[k] = (acc[k] ?? 0) + 1;
          return acc;
        }, {}),
      // What the launcher said of restarts (a slow return shows here: a crash loop, a port in use...).
      restarts: launcher
        .output()
        .split('\n')
        .filter((l) => /exited|restarting|EADDRINUSE/.test(l))
        .map((l) => l.slice(0, 200)),
    };
    console.log(JSON.stringify(summary, null, 2));
    expect(logical.length).toBeGreaterThan(50);
    const unacked = logical.filter((l) => !l.acks.length);
    expect(unacked.map((l) => l.attempts)).toEqual([]);
    for (const l of logical) expect(new Set(l.acks.map((a) => a.id)).size).toBe(1);
    const httpErrors = attempts.filter((a) => a.status !== 'network' && (a.status as number) >= 300);
    expect(httpErrors.filter((a) => !(a.status === 503 || a.status === 504) || !a.problem)).toEqual([]);
    // Connection errors only where a gateway was killed.
    expect(attempts.filter((a) => a.status === 'network' && !(a.phase === 'gateway-kill' && a.gateway === 0))).toEqual(
      [],
    );

    const stored = await serviceDb<{ id: string; starts_at: Date; n: string }>(
      dbView,
      'booking',
      `select id, starts_at, count(*) over (partition by starts_at) as n from bookings
        where clinic_id = $1 and starts_at >= $2 and starts_at < $3`,
      [clinic.id, slot(0), slot(next)],
    );
    const acked = new Set(logical.map((l) => l.acks[0]!.id));
    expect(stored.filter((r) => Number(r.n) > 1)).toEqual([]);
    expect(stored.map((r) => r.id).sort()).toEqual([...acked].sort());
    const keys = await serviceDb<{ key: string; booking_id: string }>(
      dbView,
      'booking',
      'select key, booking_id from idempotency_keys where key = any($1)',
      [logical.map((l) => l.key)],
    );
    expect(new Map(keys.map((k) => [k.key, k.booking_id]))).toEqual(
      new Map(logical.map((l) => [l.key, l.acks[0]!.id])),
    );

    // Retrying any acknowledged request with its key, through either gateway, gives the same booking.
    const sample = logical.filter((_, i) => i % Math.ceil(logical.length / 20) === 0);
    for (const [i, l] of sample.entries()) {
      const again = await clients[i % 2]!.post('/api/v1/bookings', l.body, {
        token: l.owner.accessToken,
        headers: { 'idempotency-key': l.key },
      });
      expect([again.status, again.body.id, again.headers.get('idempotent-replayed')]).toEqual([
        201,
        l.acks[0]!.id,
        'true',
      ]);
    }
    expect(timings.bookingReplicaTrafficAfterRestart).toBeLessThan(10_000);
    expect(timings.gatewayTrafficBackAfterRestart).toBeLessThan(10_000);

    // Ctrl-C stops every replica cleanly.
    expect(await launcher.stop(12_000)).toBe(0);
    for (const label of ['gateway#1', 'gateway#2', 'booking#1', 'booking#2', 'auth', 'user', 'clinic']) {
      const { pid } = childOf(label);
      expect(() => process.kill(pid, 0), `${label} still running`).toThrow();
    }
  }, 300_000);
});
