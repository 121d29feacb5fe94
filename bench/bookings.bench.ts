/**
 * Booking load through the gateway, on the whole platform as `npm start` runs it (the real launcher,
 * real processes, an embedded PostgreSQL in a fresh data folder): cold start to ready, idle memory of
 * every process (PostgreSQL included), bookings per second from 64 concurrent clients over 200
 * clinics with p50/p99, a crowd of 500 concurrent requests for one slot (exactly one winner), and
 * availability reads of a month view per second. Then the same with `--scale gateway=2,booking=2`
 * (with a private redis-server on a free port). Goals on a 2-core machine: >= 500 bookings/s, the
 * crowd in < 2 s with one 201, cold start < 20 s, idle memory < 600 MB.
 *
 * BENCH_SECONDS (10) sets each load's length, BENCH_CONNECTIONS (64) its clients, BENCH_SCALE=0 skips
 * the scaled run, BENCH_NODE_OPTIONS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) goes to every process.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { DateTime } from 'luxon';
import { startRedisServer, startSmtpCapture, type SmtpCapture } from '@petpro/kit/testing';
import { ADMIN } from '../test/platform.ts';
import { createVendor, type TestUser } from '../test/users.ts';
import { startLauncher, type Launcher } from '../test/launcher.ts';
import {
  createClinic,
  createOwner,
  putRules,
  weeklyRules,
  type ClinicFixture,
} from '../services/booking/test/helpers.ts';
import { httpClient } from '@petpro/kit/testing';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const CLINICS = 200;
const OWNERS = 16;
const CROWD = 500;
const ZONE = 'Asia/Jakarta';
const WEEK = [1, 2, 3, 4, 5, 6, 7];
const OPEN = { start: '06:00', end: '22:00' };
const SLOTS_PER_DAY = 64; // 06:00-22:00 every 15 minutes

const ms = (n: number) => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
const line = (what: string, figure: string) => console.log(`  ${what.padEnd(58)} ${figure}`);

/** Every process under `root` (itself included), with its parent map read from /proc. */
function processTree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return [...parent.keys()].filter(inTree);
}

/** Resident memory of a process and all its descendants (RSS sum, and PSS which counts shared pages once). */
function treeMemory(root: number): { rssMb: number; pssMb: number; processes: number } {
  let rss = 0;
  let pss = 0;
  let processes = 0;
  for (const pid of processTree(root)) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      processes++;
    } catch {
      /* gone or not ours to read */
    }
  }
  return { rssMb: rss / 1024, pssMb: pss / 1024, processes };
}

/**
 * CPU seconds used so far by each kind of process in the tree (gateway, booking, postgres…), and by this one (the
 * load).
 */
function treeCpu(root: number): Map<string, number> {
  const tick = 100; // USER_HZ on Linux
  const out = new Map<string, number>();
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const kind = /services\/(\w+)\//.exec(cmd)?.[1] ?? (/postgres/.test(cmd) ? 'postgres' : 'launcher');
      out.set(kind, (out.get(kind) ?? 0) + (Number(fields[11]) + Number(fields[12])) / tick);
    } catch {
      /* gone */
    }
  }
  const self = process.cpuUsage();
  out.set('load generator', (self.user + self.system) / 1e6);
  return out;
}

/** CPU milliseconds per operation of each kind of process between two treeCpu readings. */
function cpuPerOp(before: Map<string, number>, after: Map<string, number>, ops: number): string {
  const parts = [...after.entries()]
    .map(([k, v]) => [k, ((v - (before.get(k) ?? 0)) * 1000) / Math.max(1, ops)] as const)
    .filter(([, v]) => v >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  const total = parts.reduce((t, [, v]) => t + v, 0);
  return `${total.toFixed(1)} ms (${parts.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')})`;
}

interface Fixture {
  clinics: ClinicFixture[];
  owners: Array<TestUser & { petId: string }>;
}

async function runAll<T>(items: T[], parallel: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** 200 clinics of one vendor (open every day 06:00-22:00, one 15-minute service, two vets) and 16 owners with a pet. */
async function fixtures(gateway: string, smtp: SmtpCapture): Promise<Fixture> {
  const p = { http: httpClient(gateway), smtp };
  const vendor = await createVendor(p, { name: 'Vendor Bench' });
  const clinics: ClinicFixture[] = [];
  await runAll(Array.from({ length: CLINICS }), 8, async () => {
    const clinic = await createClinic(p, {
      vendor,
      weekdays: WEEK,
      ranges: [OPEN],
      services: [{ name: 'Vaksinasi', durationMinutes: 15 }],
    });
    await putRules(p, clinic, weeklyRules(WEEK, [OPEN]));
    clinics.push(clinic);
  });
  const owners: Fixture['owners'] = [];
  await runAll(Array.from({ length: OWNERS }), 4, async (_, i) => {
    owners.push(await createOwner(p, `Pemilik ${i}`));
  });
  return { clinics, owners };
}

/** Booking `i`: clinic i mod 200, then the next free 15-minute slot of that clinic from three days ahead. */
function slot(i: number): { clinic: number; start: string } {
  const k = Math.floor(i / CLINICS);
  const day = DateTime.now()
    .setZone(ZONE)
    .startOf('day')
    .plus({ days: 3 + Math.floor(k / SLOTS_PER_DAY) });
  return { clinic: i % CLINICS, start: day.plus({ minutes: 6 * 60 + (k % SLOTS_PER_DAY) * 15 }).toISO()! };
}

/** autocannon spreads its connections over several URLs, though its type declarations take one. */
const several = (urls: string[]) => urls as unknown as string;

async function bookingLoad(gateways: string[], fx: Fixture, first: number, seconds: number) {
  let next = first;
  const result = await autocannon({
    url: several(gateways),
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/bookings',
        setupRequest: (req) => {
          const i = next++;
          const s = slot(i);
          const clinic = fx.clinics[s.clinic]!;
          const owner = fx.owners[i % fx.owners.length]!;
          return {
            ...req,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${owner.accessToken}`,
              'idempotency-key': `bench-${i}`,
            },
            body: JSON.stringify({
              clinicId: clinic.id,
              serviceId: clinic.services[0]!.id,
              petIds: [owner.petId],
              start: s.start,
            }),
          };
        },
      },
    ],
  });
  return { result, next };
}

async function availabilityLoad(gateways: string[], fx: Fixture, seconds: number) {
  const month = DateTime.now().setZone(ZONE).plus({ days: 3 }).startOf('month');
  const from = month.toISODate()!;
  const to = month.endOf('month').toISODate()!;
  let n = 0;
  return autocannon({
    url: several(gateways),
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          const clinic = fx.clinics[n++ % fx.clinics.length]!;
          return {
            ...req,
            path:
              `/api/v1/availability?clinicId=${clinic.id}&serviceId=${clinic.services[0]!.id}` +
              `&from=${from}&to=${to}`,
          };
        },
      },
    ],
  });
}

/** 500 concurrent requests for one staff member's slot, spread over the gateways and the owners. */
async function crowd(gateways: string[], fx: Fixture, i: number) {
  const s = slot(i);
  const clinic = fx.clinics[s.clinic]!;
  const t0 = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: CROWD }, async (_, k) => {
      const owner = fx.owners[k % fx.owners.length]!;
      try {
        const res = await fetch(`${gateways[k % gateways.length]}/api/v1/bookings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.accessToken}` },
          body: JSON.stringify({
            clinicId: clinic.id,
            serviceId: clinic.services[0]!.id,
            petIds: [owner.petId],
            start: s.start,
            staffId: clinic.staff[0]!.id,
          }),
        });
        await res.arrayBuffer();
        return String(res.status);
      } catch {
        return 'network error';
      }
    }),
  );
  const counts: Record<string, number> = {};
  for (const st of statuses) counts[st] = (counts[st] ?? 0) + 1;
  return { ms: performance.now() - t0, counts };
}

async function scenario(name: string, args: string[], gatewayCount: number, extraEnv: Record<string, string>) {
  console.log(`\n${name}`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'petpro-bench-'));
  const smtp = await startSmtpCapture();
  let launcher: Launcher | undefined;
  try {
    launcher = await startLauncher({
      args,
      gateways: gatewayCount,
      env: {
        PETPRO_DATA_DIR: dataDir,
        SMTP_URL: smtp.url,
        PETPRO_ADMIN_EMAIL: ADMIN.email,
        PETPRO_ADMIN_PASSWORD: ADMIN.password,
        // Access logs off (a production deployment ships them; here they would load the launcher's pipe).
        LOG_LEVEL: 'warn',
        // The limiter runs (with Redis when scaled) but never refuses: the bench measures bookings.
        RATE_LIMIT_PER_MINUTE: '1000000',
        RATE_LIMIT_AUTH_PER_MINUTE: '100000',
        AUTH_IP_LIMIT_FACTOR: '100',
        AUTO_BLOCK_THRESHOLD: '0',
        ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
        ...extraEnv,
      },
    });
    await launcher.ready(120_000);
    const coldMs = Date.now() - launcher.startedAt;
    line('cold start to ready (fresh data folder, embedded PostgreSQL)', `${(coldMs / 1000).toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, 5_000));
    const idle = treeMemory(launcher.proc.pid!);
    line(
      `idle memory, ${idle.processes} processes incl. PostgreSQL (RSS sum; PSS)`,
      `${idle.rssMb.toFixed(0)} MB; ${idle.pssMb.toFixed(0)} MB`,
    );

    const gateways = launcher.gateways;
    const t = performance.now();
    const fx = await fixtures(gateways[0]!, smtp);
    line(
      `set-up: ${CLINICS} clinics, ${OWNERS} owners through the gateway`,
      `${((performance.now() - t) / 1000).toFixed(1)} s`,
    );

    const warm = await bookingLoad(gateways, fx, 0, 3);
    const cpu0 = treeCpu(launcher.proc.pid!);
    const mark0 = process.hrtime.bigint() / 1000n;
    const { result, next } = await bookingLoad(gateways, fx, warm.next, SECONDS);
    const cpu1 = treeCpu(launcher.proc.pid!);
    // Monotonic microseconds, the clock of --cpu-prof profiles: to cut a profile to the booking load.
    if (process.env.BENCH_NODE_OPTIONS)
      line('  booking load window (monotonic µs)', `${mark0}-${process.hrtime.bigint() / 1000n}`);
    const created = result['2xx'];
    line(
      `bookings/s, ${CONNECTIONS} clients over ${CLINICS} clinics (${SECONDS} s)`,
      `${(created / SECONDS).toFixed(0)}/s, p50 ${ms(result.latency.p50)}, p99 ${ms(result.latency.p99)}` +
        (result.non2xx || result.errors ? ` (${result.non2xx} non-2xx, ${result.errors} errors)` : ''),
    );
    line('  CPU per booking, by process', cpuPerOp(cpu0, cpu1, created));
    const c = await crowd(gateways, fx, next + CLINICS * SLOTS_PER_DAY * 30);
    line(
      `crowd of ${CROWD} for one slot`,
      `${ms(c.ms)}: ${Object.entries(c.counts)
        .map(([k, v]) => `${v}× ${k}`)
        .join(', ')}`,
    );
    const cpu2 = treeCpu(launcher.proc.pid!);
    const avail = await availabilityLoad(gateways, fx, SECONDS);
    const cpu3 = treeCpu(launcher.proc.pid!);
    line(
      `availability reads/s, a month view, ${CONNECTIONS} clients`,
      `${(avail['2xx'] / SECONDS).toFixed(0)}/s, p50 ${ms(avail.latency.p50)}, p99 ${ms(avail.latency.p99)}` +
        (avail.non2xx || avail.errors ? ` (${avail.non2xx} non-2xx, ${avail.errors} errors)` : ''),
    );
    line('  CPU per availability read, by process', cpuPerOp(cpu2, cpu3, avail['2xx']));
    const after = treeMemory(launcher.proc.pid!);
    line('memory after the load (RSS sum; PSS)', `${after.rssMb.toFixed(0)} MB; ${after.pssMb.toFixed(0)} MB`);
  } finally {
    await launcher?.stop(20_000);
    if (launcher) {
      const log = path.join(os.tmpdir(), `petpro-bench-${gatewayCount}gw.log`);
      writeFileSync(log, launcher.output());
      line('  platform log (warnings and errors)', log);
    }
    await smtp.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  console.log(`${os.cpus().length} cores; each load ${SECONDS} s after a 3 s warm-up`);
  await scenario('One of each process (npm start)', [], 1, {});
  if (process.env.BENCH_SCALE === '0') return;
  const redis = await startRedisServer();
  try {
    await scenario('--scale gateway=2,booking=2 (Redis on loopback)', ['--scale', 'gateway=2,booking=2'], 2, {
      REDIS_URL: redis.url,
    });
  } finally {
    await redis.stop();
  }
}
