/**
 * Real-time sockets on the whole platform as `npm start` runs it (the real launcher and processes):
 * 10,000 WebSockets held through the gateway tier to ONE booking instance, the memory each costs the
 * booking instance and the gateways, then a burst of bookings and the delay from each booking's
 * commit to its `booking.created` reaching the owner's and the clinic's sockets (p50/p99; goal p99 <
 * 100 ms). Two gateways (`--scale gateway=2`, with a private redis-server): a proxy holds two file
 * descriptors per socket and this machine's hard limit is 20,000 per process (`ulimit -Hn`), so one
 * gateway process cannot hold 10,000 sockets; the booking instance holds all 10,000 itself.
 *
 * BENCH_SOCKETS (10000) and BENCH_BURST (200 bookings, 20 at a time) change the sizes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import { httpClient, startRedisServer, startSmtpCapture } from '@petpro/kit/testing';
import { ADMIN } from '../test/platform.ts';
import { createVerifiedUser } from '../test/users.ts';
import { startLauncher } from '../test/launcher.ts';
import { openSocket, subscribe, type TestSocket } from '../test/realtime.ts';
import { createClinic, createOwner, putRules, weeklyRules } from '../services/booking/test/helpers.ts';

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 10_000);
const BURST = Number(process.env.BENCH_BURST ?? 200);
const CONCURRENCY = 20;
const ZONE = 'Asia/Jakarta';

const line = (what: string, figure: string) => console.log(`  ${what.padEnd(62)} ${figure}`);

/** Resident memory of one process, MB. */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function run(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'petpro-bench-rt-'));
  const smtp = await startSmtpCapture();
  const redis = await startRedisServer();
  const launcher = await startLauncher({
    args: ['--scale', 'gateway=2'],
    gateways: 2,
    env: {
      PETPRO_DATA_DIR: dataDir,
      SMTP_URL: smtp.url,
      REDIS_URL: redis.url,
      PETPRO_ADMIN_EMAIL: ADMIN.email,
      PETPRO_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000',
      RATE_LIMIT_AUTH_PER_MINUTE: '100000',
      AUTH_IP_LIMIT_FACTOR: '100',
      AUTO_BLOCK_THRESHOLD: '0',
      // One user holds the idle crowd of sockets; the caps stay in force, just above the bench's size.
      BOOKING_WS_MAX_PER_USER: String(SOCKETS + 10),
      BOOKING_WS_MAX_SOCKETS: String(SOCKETS + 100),
    },
  });
  const sockets: TestSocket[] = [];
  try {
    await launcher.ready(120_000);
    const gateways = launcher.gateways;
    const p = { http: httpClient(gateways[0]!), smtp };
    const clinic = await createClinic(p, {
      weekdays: [1, 2, 3, 4, 5, 6, 7],
      ranges: [{ start: '06:00', end: '22:00' }],
      staff: [{ name: 'drh. Ayu' }],
    });
    await putRules(p, clinic, weeklyRules([1, 2, 3, 4, 5, 6, 7], [{ start: '06:00', end: '22:00' }]));
    const owner = await createOwner(p);
    const crowd = await createVerifiedUser(p);

    const booking = launcher.child('booking').pid;
    const gatewayPids = [launcher.child('gateway#1').pid, launcher.child('gateway#2').pid];
    await new Promise((r) => setTimeout(r, 2_000));
    const before = { booking: rssMb(booking), gateways: gatewayPids.map(rssMb) };

    const t0 = performance.now();
    for (let i = 0; i < SOCKETS; i += 200) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(200, SOCKETS - i) }, (_, j) =>
          openSocket(gateways[(i + j) % gateways.length]!, { token: crowd.accessToken }),
        ),
      );
      sockets.push(...batch);
    }
    const openMs = performance.now() - t0;
    line(
      `${SOCKETS} sockets opened through ${gateways.length} gateways to 1 booking instance`,
      `${(openMs / 1000).toFixed(1)} s`,
    );
    await new Promise((r) => setTimeout(r, 3_000));
    const after = { booking: rssMb(booking), gateways: gatewayPids.map(rssMb) };
    const perSocketKb = (mb: number) => ((mb * 1024) / SOCKETS).toFixed(1);
    line(
      'booking instance RSS before -> after (per socket)',
      `${before.booking.toFixed(0)} -> ${after.booking.toFixed(0)} MB ` +
        `(${perSocketKb(after.booking - before.booking)} KB)`,
    );
    const gwDelta = after.gateways.reduce((a, b) => a + b, 0) - before.gateways.reduce((a, b) => a + b, 0);
    line('gateways RSS added, both together (per socket)', `${gwDelta.toFixed(0)} MB (${perSocketKb(gwDelta)} KB)`);

    const ownerSocket = await openSocket(gateways[0]!, { token: owner.accessToken });
    const vendorSocket = await openSocket(gateways[1]!, { token: clinic.vendor.accessToken });
    sockets.push(ownerSocket, vendorSocket);
    await subscribe(vendorSocket, 'clinic', clinic.id);

    // Received time of each booking.created, by booking id, per watching socket.
    const delays: number[] = [];
    const committed = new Map<string, number>();
    const watch = (s: TestSocket) =>
      s.ws.on('message', (data) => {
        const m = JSON.parse(data.toString()) as { type: string; at: string; data?: { booking?: { id: string } } };
        if (m.type !== 'booking.created') return;
        const received = Date.now();
        const id = m.data?.booking?.id;
        // The event's `at` is the time of the booking's transaction (created_at, set in it): an
        // upper bound of commit-to-delivery that includes the booking transaction itself.
        delays.push(received - Date.parse(m.at));
        if (id) committed.set(id, received);
      });
    watch(ownerSocket);
    watch(vendorSocket);

    const slots: string[] = [];
    for (let d = 2; slots.length < BURST; d++)
      for (let h = 6; h < 22 && slots.length < BURST; h++)
        slots.push(
          DateTime.now()
            .setZone(ZONE)
            .plus({ days: d })
            .set({ hour: h, minute: 0, second: 0, millisecond: 0 })
            .toISO({ suppressMilliseconds: true })!,
        );
    const t1 = performance.now();
    let next = 0;
    const statuses: Record<string, number> = {};
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < slots.length) {
          const start = slots[next++]!;
          const res = await p.http.post(
            '/api/v1/bookings',
            { clinicId: clinic.id, serviceId: clinic.services[0]!.id, petIds: [owner.petId], start },
            { token: owner.accessToken },
          );
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        }
      }),
    );
    const burstMs = performance.now() - t1;
    await new Promise((r) => setTimeout(r, 2_000));
    line(
      `burst: ${BURST} bookings, ${CONCURRENCY} at a time`,
      `${(burstMs / 1000).toFixed(1)} s, ${JSON.stringify(statuses)}`,
    );
    const sorted = [...delays].sort((a, b) => a - b);
    line(
      `commit -> delivery to owner and clinic sockets (${sorted.length} deliveries)`,
      sorted.length
        ? `p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted.at(-1)} ms`
        : 'none',
    );
  } finally {
    for (const s of sockets) s.ws.terminate();
    await launcher.stop();
    await redis.stop();
    await smtp.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
