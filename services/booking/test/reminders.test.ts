/**
 * Appointment reminders through the gateway on the real platform: a real SMTP server, a local HTTP
 * receiver for SMS_PROVIDER=webhook, the booking service restarted between booking and reminder, and
 * a second booking replica on the same database.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '@petpro/kit/testing';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { serviceDb } from '../../../test/databases.ts';
import { adminOf } from '../../../test/users.ts';
import { clinicOpenFrom, createOwner, type ClinicFixture } from './helpers.ts';

const ZONE = 'Asia/Jakarta';

let p: Platform;
let texts: Array<{ to: string; text: string; purpose: string; at: number }>;
let receiver: http.Server;

beforeAll(async () => {
  texts = [];
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      texts.push({ ...JSON.parse(body), at: Date.now() });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: randomUUID() }));
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  p = await startPlatform({
    databaseUrl: inject('databaseUrl'),
    env: {
      BOOKING_REMINDER_POLL_MS: '250',
      BOOKING_REMINDER_BATCH: '20',
      BOOKING_AGENDA_POLL_MS: '1000',
      SMS_PROVIDER: 'webhook',
      SMS_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/sms`,
    },
  });
});
afterAll(async () => {
  await p?.stop();
  await new Promise((r) => receiver?.close(r));
});

function iso(t: DateTime): string {
  return t.toISO({ suppressMilliseconds: true })!;
}

describe('appointment reminders', () => {
  const goOutOnce =
    'go out once at their minute naming the local time; none when cancelled; ' +
    'only at the new time when moved; across a restart';
  it(goOutOnce, async () => {
    // The first whole minute at least 5 min 15 s ahead: a 5-minute reminder is due 15 to 75 s from now.
    const start = DateTime.now()
      .setZone(ZONE)
      .plus({ minutes: 5, seconds: 15 })
      .endOf('minute')
      .plus({ millisecond: 1 });
    const clinic = await clinicOpenFrom(p, start, 3);
    const owner = await createOwner(p, 'Dewi');
    const phone = await p.http.patch('/api/v1/users/me', { phone: '0812-3456-7890' }, { token: owner.accessToken });
    expect(phone.status).toBe(200);
    const prefs = await p.http.put(
      '/api/v1/users/me/preferences',
      { notifications: { sms: { bookingReminders: true } } },
      { token: owner.accessToken },
    );
    expect(prefs.status).toBe(200);

    const book = async (at: DateTime, staff: number) => {
      const r = await p.http.post(
        '/api/v1/bookings',
        {
          clinicId: clinic.id,
          serviceId: clinic.services[0]!.id,
          staffId: clinic.staff[staff]!.id,
          petIds: [owner.petId],
          start: iso(at),
        },
        { token: owner.accessToken },
      );
      expect(r.status, r.text).toBe(201);
      return r.body.id as string;
    };
    const reminded = await book(start, 0);
    const cancelled = await book(start, 1);
    const moved = await book(start.plus({ minutes: 30 }), 2);

    // The defaults (a day and two hours before) could never be sent for a booking made minutes ahead.
    const defaults = await p.http.get(`/api/v1/bookings/${reminded}/reminders`, { token: owner.accessToken });
    expect(defaults.status).toBe(200);
    expect(defaults.body.reminders).toContainEqual(
      expect.objectContaining({ offsetMinutes: 1440, channel: 'email', status: 'passed' }),
    );

    const fiveMinutes = [{ offsetMinutes: 5, channel: 'email' }];
    const both = [...fiveMinutes, { offsetMinutes: 5, channel: 'sms' }];
    // push has no sender in this service yet: its reminder is recorded, never lost, and breaks nothing else.
    const withPush = [...both, { offsetMinutes: 5, channel: 'push' }];
    for (const [id, reminders] of [
      [reminded, withPush],
      [cancelled, both],
      [moved, fiveMinutes],
    ] as const) {
      const put = await p.http.put(`/api/v1/bookings/${id}/reminders`, { reminders }, { token: owner.accessToken });
      expect(put.status, put.text).toBe(200);
      expect(put.body.reminders.every((r: { status: string }) => r.status === 'scheduled')).toBe(true);
    }
    expect((await p.http.post(`/api/v1/bookings/${cancelled}/cancel`, {}, { token: owner.accessToken })).status).toBe(
      200,
    );
    const move = await p.http.patch(`/api/v1/bookings/${moved}`, { start: iso(start) }, { token: owner.accessToken });
    expect(move.status, move.text).toBe(200);

    // The booking service goes down and comes back before any reminder is due.
    const due = start.minus({ minutes: 5 }).toMillis();
    expect(Date.now()).toBeLessThan(due);
    await p.services.booking!.stop();
    p.services.booking = await p.startInstance('booking');

    const mailFor = (id: string) => p.smtp.mails.filter((m) => m.to.includes(owner.email) && m.text.includes(id));
    await eventually(() => mailFor(reminded).length > 0 && mailFor(moved).length > 0, 120_000, 200);
    const arrivedAt = Date.now();
    // At its minute: not before it, and within a few poll intervals of it on a loaded machine.
    expect(arrivedAt).toBeGreaterThanOrEqual(due);
    expect(arrivedAt - due).toBeLessThan(20_000);
    await eventually(() => texts.some((t) => t.to === '+6281234567890'), 10_000);

    // Time for any duplicate to show up, then count.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(mailFor(reminded)).toHaveLength(1);
    expect(mailFor(moved)).toHaveLength(1);
    expect(mailFor(cancelled)).toHaveLength(0);
    const mail = mailFor(reminded)[0]!;
    const local = start.setLocale('id');
    expect(mail.subject).toBe(
      `Pengingat: Vaksinasi di ${clinicName(mail.subject)}, ` +
        `${local.toFormat('cccc, d LLLL yyyy')} ${local.toFormat('HH:mm')} WIB`,
    );
    expect(mail.text).toContain('Milo');
    expect(mail.text).toContain('Jl. Kemang Raya 1');
    expect(mail.text).toContain(`/bookings/${reminded}`);
    expect(mailFor(moved)[0]!.subject).toContain(local.toFormat('HH:mm'));
    const sms = texts.filter((t) => t.to === '+6281234567890');
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({ purpose: 'reminder' });
    expect(sms[0]!.text).toContain(reminded);
    expect(sms[0]!.text).toContain(local.toFormat('HH:mm'));

    // The admin view tells what happened to each.
    const admin = await adminOf(p);
    const sent = await p.http.get('/api/v1/admin/reminders?status=sent&limit=100', { token: admin.accessToken });
    expect(sent.status).toBe(200);
    const sentIds = sent.body.items.map((j: { bookingId: string; channel: string }) => `${j.bookingId}/${j.channel}`);
    expect(sentIds).toEqual(expect.arrayContaining([`${reminded}/email`, `${reminded}/sms`, `${moved}/email`]));
    expect(sentIds.filter((s: string) => s.startsWith(cancelled))).toEqual([]);
    const ended = await p.http.get('/api/v1/admin/reminders?status=cancelled&limit=100', { token: admin.accessToken });
    const endedOf = (id: string) =>
      ended.body.items
        .filter((j: { bookingId: string }) => j.bookingId === id)
        .map((j: { lastError: string }) => j.lastError);
    expect(endedOf(cancelled)).toEqual(['booking_cancelled', 'booking_cancelled']);
    expect(endedOf(moved)).toEqual(['booking_moved']);
    const push = await serviceDb(
      p,
      'booking',
      `select status, last_error from reminder_jobs where booking_id = $1 and channel = 'push'`,
      [reminded],
    );
    // Its next look (10 minutes on) would come after the start, so it is recorded as failed, not dropped.
    expect(push).toEqual([{ status: 'failed', last_error: 'channel_unavailable' }]);
    const ledger = await serviceDb(
      p,
      'booking',
      'select count(*)::int as n from reminder_deliveries where booking_id = any($1)',
      [[reminded, moved, cancelled]],
    );
    expect(ledger[0]!.n).toBe(3);
  }, 180_000);
});

/** The clinic name as the subject carries it (fixtures name clinics at random). */
function clinicName(subject: string): string {
  return /di (Klinik \w+),/.exec(subject)?.[1] ?? '?';
}

describe('GET/PUT /api/v1/bookings/{id}/reminders', () => {
  it('belong to the booking’s owner, refuse bad and past reminders, and close with the booking', async () => {
    const start = DateTime.now().setZone(ZONE).plus({ days: 2 }).startOf('hour').set({ hour: 10 });
    const clinic = await clinicOpenFrom(p, start.set({ hour: 8 }), 1);
    const owner = await createOwner(p);
    const stranger = await createOwner(p, 'Orang Lain');
    const r = await p.http.post(
      '/api/v1/bookings',
      { clinicId: clinic.id, serviceId: clinic.services[0]!.id, petIds: [owner.petId], start: iso(start) },
      { token: owner.accessToken },
    );
    expect(r.status, r.text).toBe(201);
    const path = `/api/v1/bookings/${r.body.id}/reminders`;
    const own = await p.http.get(path, { token: owner.accessToken });
    // The defaults: a day and two hours before, on the channels switched on by default (email, push, in-app).
    expect(own.body.reminders).toHaveLength(6);
    expect(own.body.reminders).toContainEqual({
      offsetMinutes: 1440,
      channel: 'email',
      status: 'scheduled',
      dueAt: start.minus({ days: 1 }).toUTC().toISO(),
    });

    const ok = { reminders: [{ offsetMinutes: 60, channel: 'email' }] };
    // Someone else's booking: as if it did not exist, and nothing changes.
    expect((await p.http.get(path, { token: stranger.accessToken })).status).toBe(404);
    expect((await p.http.put(path, ok, { token: stranger.accessToken })).status).toBe(404);
    expect((await p.http.get(path, { token: clinic.vendor.accessToken })).status).toBe(404);
    expect((await p.http.get(path, { token: owner.accessToken })).body.reminders).toHaveLength(6);
    expect((await p.http.get(`/api/v1/bookings/${randomUUID()}/reminders`, { token: owner.accessToken })).status).toBe(
      404,
    );
    expect((await p.http.get('/api/v1/bookings/not-a-uuid/reminders', { token: owner.accessToken })).status).toBe(400);

    for (const bad of [
      { reminders: [{ offsetMinutes: 4, channel: 'email' }] },
      { reminders: [{ offsetMinutes: 43_201, channel: 'email' }] },
      { reminders: [{ offsetMinutes: 60.5, channel: 'email' }] },
      { reminders: [{ offsetMinutes: 60, channel: 'fax' }] },
      { reminders: [{ offsetMinutes: 60, channel: 'email', extra: 1 }] },
      { reminders: [ok.reminders[0], ok.reminders[0]] },
      { reminders: Array.from({ length: 13 }, (_, i) => ({ offsetMinutes: 60 + i, channel: 'email' })) },
      { reminders: Array.from({ length: 10_000 }, () => ({ offsetMinutes: 60, channel: 'email' })) },
    ]) {
      const res = await p.http.put(path, bad, { token: owner.accessToken });
      expect(res.status, JSON.stringify(bad).slice(0, 80)).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
    // Three days before a booking made two days ahead: it could never be sent, so it is kept and skipped.
    const early = { reminders: [{ offsetMinutes: 4_320, channel: 'email' }] };
    const skipped = await p.http.put(path, early, { token: owner.accessToken });
    expect(skipped.status).toBe(200);
    expect(skipped.body.reminders).toEqual([expect.objectContaining({ offsetMinutes: 4_320, status: 'passed' })]);
    // Had the booking been made four days ahead, three days before is a time the owner let pass: refused.
    await serviceDb(p, 'booking', `update bookings set created_at = now() - interval '2 days' where id = $1`, [
      r.body.id,
    ]);
    const past = await p.http.put(path, early, { token: owner.accessToken });
    expect(past.status).toBe(400);
    expect(past.body).toMatchObject({ code: 'reminder_time_passed', errors: [{ field: 'reminders.0.offsetMinutes' }] });

    const put = await p.http.put(path, ok, { token: owner.accessToken });
    expect(put.status).toBe(200);
    expect(put.body.reminders).toEqual([
      { offsetMinutes: 60, channel: 'email', status: 'scheduled', dueAt: start.minus({ hours: 1 }).toUTC().toISO() },
    ]);
    const jobs = await serviceDb(
      p,
      'booking',
      'select status, count(*)::int as n from reminder_jobs where booking_id = $1 group by status order by status',
      [r.body.id],
    );
    expect(jobs).toEqual([
      { status: 'cancelled', n: 6 },
      { status: 'scheduled', n: 1 },
    ]);

    // Only admins see the queue.
    expect((await p.http.get('/api/v1/admin/reminders', { token: owner.accessToken })).status).toBe(403);
    const admin = await adminOf(p);
    expect((await p.http.get('/api/v1/admin/reminders?status=bogus', { token: admin.accessToken })).status).toBe(400);
    expect((await p.http.get('/api/v1/admin/reminders?cursor=forged', { token: admin.accessToken })).status).toBe(400);

    expect((await p.http.post(`/api/v1/bookings/${r.body.id}/cancel`, {}, { token: owner.accessToken })).status).toBe(
      200,
    );
    const closed = await p.http.put(path, ok, { token: owner.accessToken });
    expect(closed.status).toBe(409);
    expect(closed.body.code).toBe('booking_not_open');
  }, 60_000);
});

describe('two booking replicas on one database', () => {
  it('send each of a few hundred reminders due at the same moment exactly once, sharing the work', async () => {
    const clinic = await clinicOpenFrom(p, DateTime.now().setZone(ZONE).startOf('day'), 1);
    const owner = await createOwner(p, 'Banyak');
    const second = await p.startInstance('booking');
    const sentBy = (s: { url: string }) =>
      fetch(`${s.url}/metrics`)
        .then((r) => r.text())
        .then((t) => Number(/reminders_sent_total\{[^}]*channel="email"[^}]*\} (\d+)/.exec(t)?.[1] ?? 0));
    const replicas = [p.services.booking!, second];
    try {
      const before = await Promise.all(replicas.map(sentBy));
      const COUNT = 300;
      // Bookings and their due jobs written in one statement (as if their time had come at once); each
      // booking on its own staff id so the no-overlap constraint allows them side by side.
      await serviceDb(
        p,
        'booking',
        `with b as (
           insert into bookings (id, clinic_id, service_id, staff_id, staff_requested, owner_id, pet_ids, pets,
             starts_at, ends_at, held_until, time_zone, status, service_name, duration_minutes, buffer_minutes,
             price_amount, price_currency)
           select gen_random_uuid(), $1, $2, gen_random_uuid(), true, $3, array[$4::uuid],
             jsonb_build_array(jsonb_build_object('id', $4::text, 'name', 'Milo', 'species', 'dog')),
             now() + interval '10 minutes', now() + interval '25 minutes', now() + interval '25 minutes',
             'Asia/Jakarta', 'confirmed', 'Vaksinasi', 15, 0, 100000, 'IDR'
           from generate_series(1, $5)
           returning id, starts_at)
         insert into reminder_jobs (id, booking_id, owner_id, clinic_id, offset_minutes, channel, starts_at,
           due_at, next_attempt_at)
         select gen_random_uuid(), b.id, $3, $1, 10, 'email', b.starts_at,
           b.starts_at - interval '10 minutes', now() from b`,
        [clinic.id, clinic.services[0]!.id, owner.userId, owner.petId, COUNT],
      );
      const mine = () => p.smtp.mails.filter((m) => m.to.includes(owner.email) && m.subject.startsWith('Pengingat'));
      await eventually(() => mine().length >= COUNT, 110_000, 200);
      await new Promise((r) => setTimeout(r, 2_000));
      const ids = mine().map((m) => /bookings\/([0-9a-f-]{36})/.exec(m.text)?.[1]);
      expect(ids).toHaveLength(COUNT);
      expect(new Set(ids).size).toBe(COUNT);
      const after = await Promise.all(replicas.map(sentBy));
      const shares = after.map((n, i) => n - before[i]!);
      // Both replicas sent a share, and together exactly one mail per reminder.
      expect(shares[0]! + shares[1]!).toBe(COUNT);
      expect(shares[0]).toBeGreaterThan(0);
      expect(shares[1]).toBeGreaterThan(0);
      const ledger = await serviceDb(
        p,
        'booking',
        `select count(*)::int as n from reminder_deliveries where status = 'sent'`,
      );
      expect(ledger[0]!.n).toBeGreaterThanOrEqual(COUNT);
    } finally {
      await second.stop();
    }
  }, 150_000);
});

describe('the clinic’s daily agenda', () => {
  it('mails the owner the day’s bookings once in its morning, unless the clinic turned it off', async () => {
    // A zone where it is now between 08:00 and 09:00, so the 07:00 agenda is due (Etc/GMT signs are inverted).
    const offset = ((8 - new Date().getUTCHours() + 36) % 24) - 12;
    const zone = offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    const today = DateTime.now().setZone(zone);
    expect(today.hour).toBeGreaterThanOrEqual(7);
    const on = await clinicOpenFrom(p, today.set({ hour: 8, minute: 0 }), 1);
    const off = await clinicOpenFrom(p, today.set({ hour: 8, minute: 0 }), 1, { dailyAgendaMail: false });
    const owner = await createOwner(p, 'Sari');
    for (const clinic of [on, off]) {
      const r = await p.http.post(
        '/api/v1/bookings',
        {
          clinicId: clinic.id,
          serviceId: clinic.services[0]!.id,
          petIds: [owner.petId],
          start: iso(today.set({ hour: 14, minute: 0, second: 0, millisecond: 0 })),
        },
        { token: owner.accessToken },
      );
      expect(r.status, r.text).toBe(201);
    }
    const agendaTo = (c: ClinicFixture) =>
      p.smtp.mails.filter((m) => m.to.includes(c.vendor.email) && m.subject.startsWith('Agenda'));
    await eventually(() => agendaTo(on).length > 0, 20_000, 200);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(agendaTo(on)).toHaveLength(1);
    expect(agendaTo(on)[0]!.subject).toMatch(/^Agenda .*: 1 pemesanan di Klinik/);
    expect(agendaTo(on)[0]!.text).toContain('14:00-14:15 Vaksinasi: Milo (drh. Vet 1, menunggu konfirmasi)');
    expect(agendaTo(off)).toHaveLength(0);
  }, 60_000);
});
