/**
 * Reminders at volume, on the whole platform in one process (test/platform.ts: the real gateway and
 * services) over a fresh embedded PostgreSQL, mail going to a local SMTP sink (smtp-server):
 * 1. the cost a booking's transaction pays for scheduling its reminders: 50,000 bookings each get two
 *    reminders (100,000 jobs) through RemindersService.scheduleNew in their own transaction, timed
 *    against the same transactions without it;
 * 2. with those 100,000 waiting in the queue, 10,000 more come due at once: the time until the
 *    booking service's worker (one replica, default batch and concurrency unless BENCH_REMINDER_* are
 *    set) has delivered all of them to the sink, each after re-reading its booking, reading its
 *    recipient from the auth and user services, and writing the ledger.
 * BENCH_REMINDER_BOOKINGS (50000) and BENCH_REMINDER_DUE (10000) change the sizes.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { createDatabase, createStore } from '@petpro/kit';
import { eventually } from '@petpro/kit/testing';
import { startEmbeddedPostgres } from '@petpro/kit/embedded-db';
import { startPlatform } from '../test/platform.ts';
import { createClinic, createOwner } from '../services/booking/test/helpers.ts';
import type { DB } from '../services/booking/src/db.ts';
import { repositoriesOver } from '../services/booking/src/store.ts';
import { RemindersService } from '../services/booking/src/reminders/reminders.service.ts';

const BOOKINGS = Number(process.env.BENCH_REMINDER_BOOKINGS ?? 50_000);
const DUE = Number(process.env.BENCH_REMINDER_DUE ?? 10_000);
const LANES = 8;
const line = (what: string, figure: string) => console.log(`  ${what.padEnd(58)} ${figure}`);

/**
 * Inserts `count` open bookings of one owner (each on its own staff id), starting `startsIn` from now;
 * returns their ids.
 */
async function seedBookings(
  db: ReturnType<typeof createDatabase<DB>>['db'],
  a: { clinicId: string; serviceId: string; ownerId: string; petId: string; count: number; startsIn: string },
): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    insert into bookings (id, clinic_id, service_id, staff_id, staff_requested, owner_id, pet_ids, pets,
      starts_at, ends_at, held_until, time_zone, status, service_name, duration_minutes, buffer_minutes,
      price_amount, price_currency)
    select gen_random_uuid(), ${a.clinicId}, ${a.serviceId}, gen_random_uuid(), true, ${a.ownerId},
      array[${a.petId}::uuid],
      jsonb_build_array(jsonb_build_object('id', ${a.petId}::text, 'name', 'Milo', 'species', 'dog')),
      now() + ${a.startsIn}::interval, now() + ${a.startsIn}::interval + interval '15 minutes',
      now() + ${a.startsIn}::interval + interval '15 minutes', 'Asia/Jakarta', 'confirmed', 'Vaksinasi', 15, 0,
      100000, 'IDR'
    from generate_series(1, ${a.count})
    returning id`.execute(db);
  return rows.map((r) => r.id);
}

async function inLanes<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: LANES }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'petpro-bench-reminders-'));
  const pg = await startEmbeddedPostgres({ dir });
  const p = await startPlatform({
    databaseUrl: pg.url,
    env: {
      BOOKING_REMINDER_POLL_MS: '200',
      ...(process.env.BENCH_REMINDER_BATCH ? { BOOKING_REMINDER_BATCH: process.env.BENCH_REMINDER_BATCH } : {}),
      ...(process.env.BENCH_REMINDER_CONCURRENCY
        ? { BOOKING_REMINDER_CONCURRENCY: process.env.BENCH_REMINDER_CONCURRENCY }
        : {}),
    },
  });
  const database = createDatabase<DB>(p.dbUrls.booking!, { max: LANES + 2 });
  try {
    const clinic = await createClinic(p, { services: [{ name: 'Vaksinasi', durationMinutes: 15 }] });
    const owner = await createOwner(p, 'Bench');
    const common = {
      clinicId: clinic.id,
      serviceId: clinic.services[0]!.id,
      ownerId: owner.userId,
      petId: owner.petId,
    };
    const store = createStore(database.db, repositoriesOver);
    // Scheduling needs no recipient: the defaults are read before the booking's transaction.
    const reminders = new RemindersService({ store });
    const plan = [
      { offsetMinutes: 1440, channel: 'email' as const },
      { offsetMinutes: 120, channel: 'email' as const },
    ];

    // 1. Scheduling cost: the same transaction (lock the booking row, as create/move do) with and without it.
    const ids = await seedBookings(database.db, { ...common, count: BOOKINGS, startsIn: '3 days' });
    const lockOnly = ids.slice(0, Math.min(10_000, ids.length));
    let t0 = performance.now();
    await inLanes(lockOnly, async (id) => {
      await store.transaction(async (repos) => void (await repos.bookings.findById(id, { forUpdate: true })));
    });
    const bareMs = (performance.now() - t0) / lockOnly.length;
    t0 = performance.now();
    await inLanes(ids, async (id) => {
      await store.transaction(async (repos) => {
        const booking = await repos.bookings.findById(id, { forUpdate: true });
        await reminders.scheduleNew(repos, booking!, plan);
      });
    });
    const scheduleMs = performance.now() - t0;
    const queued = await sql<{ n: number }>`select count(*)::int as n from reminder_jobs`.execute(database.db);
    line(`scheduled ${queued.rows[0]!.n} reminders for ${BOOKINGS} bookings`, `${(scheduleMs / 1000).toFixed(1)} s`);
    line('booking transaction with its reminders (per booking)', `${(scheduleMs / BOOKINGS).toFixed(2)} ms`);
    line('the same transaction without them (per booking)', `${bareMs.toFixed(2)} ms`);
    line('scheduling cost per booking', `${(scheduleMs / BOOKINGS - bareMs).toFixed(2)} ms`);

    // 2. DUE reminders come due at once while the others wait; time until the sink has every one.
    const dueIds = await seedBookings(database.db, { ...common, count: DUE, startsIn: '30 minutes' });
    const before = p.smtp.mails.length;
    t0 = performance.now();
    await sql`insert into reminder_jobs (id, booking_id, owner_id, clinic_id, offset_minutes, channel, starts_at,
        due_at, next_attempt_at)
      select gen_random_uuid(), b.id, b.owner_id, b.clinic_id, 30, 'email', b.starts_at,
        b.starts_at - interval '30 minutes', now()
      from bookings b where b.id = any(${dueIds}::uuid[])`.execute(database.db);
    let firstAt = 0;
    await eventually(
      () => {
        const n = p.smtp.mails.length - before;
        if (n > 0 && !firstAt) firstAt = performance.now();
        return n >= DUE;
      },
      30 * 60_000,
      50,
    );
    const sendMs = performance.now() - t0;
    const sent = await sql<{
      n: number;
    }>`select count(*)::int as n from reminder_deliveries where status = 'sent'`.execute(database.db);
    line(`sent ${DUE} due reminders to the SMTP sink (1 replica)`, `${(sendMs / 1000).toFixed(1)} s`);
    line('reminders per second', `${((DUE / sendMs) * 1000).toFixed(0)}`);
    line('first mail after they came due', `${(firstAt - t0).toFixed(0)} ms`);
    line('ledger rows sent / mails at the sink', `${sent.rows[0]!.n} / ${p.smtp.mails.length - before}`);
    line('load average (1 min) at the end', os.loadavg()[0]!.toFixed(1));
  } finally {
    await database.db.destroy();
    await p.stop();
    await pg.stop();
  }
}
