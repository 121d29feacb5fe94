/**
 * Care reminders through the gateway on the real platform with a real SMTP server: medical records
 * created, changed and deleted in the user service reach the booking service through the user
 * service's event feed, and the reminder worker mails the owner (CARE_REMINDER_LOCAL_HOUR=0, so an
 * offset whose day is today is already past and goes out at once).
 */
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '@petpro/kit/testing';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { serviceDb } from '../../../test/databases.ts';
import { createOwner } from './helpers.ts';

const ZONE = 'Asia/Jayapura';

let p: Platform;

beforeAll(async () => {
  p = await startPlatform({
    databaseUrl: inject('databaseUrl'),
    env: { BOOKING_REMINDER_POLL_MS: '250', BOOKING_REALTIME_POLL_MS: '250', CARE_REMINDER_LOCAL_HOUR: '0' },
  });
});
afterAll(async () => {
  await p?.stop();
});

/** An owner in ZONE with care reminders by email only. */
async function careOwner(name: string) {
  const owner = await createOwner(p, name);
  const prefs = await p.http.put(
    '/api/v1/users/me/preferences',
    {
      timeZone: ZONE,
      notifications: {
        email: { healthReminders: true },
        push: { healthReminders: false },
        inApp: { healthReminders: false },
      },
    },
    { token: owner.accessToken },
  );
  expect(prefs.status, prefs.text).toBe(200);
  return owner;
}

const today = () => DateTime.now().setZone(ZONE).startOf('day');
const day = (d: DateTime) => d.toISODate()!;
const careJobs = (recordId: string) =>
  serviceDb(
    p,
    'booking',
    `select offset_minutes, channel, status, last_error, to_char(starts_at at time zone 'UTC', 'YYYY-MM-DD') as due,
       due_at from reminder_jobs where kind = 'care' and subject_id = $1 order by created_at, offset_minutes`,
    [recordId],
  );
const mailsWith = (email: string, marker: string) =>
  p.smtp.mails.filter((m) => m.to.includes(email) && m.text.includes(marker));
const settle = () => new Promise((r) => setTimeout(r, 3_000));

async function addRecord(owner: { accessToken: string; petId: string }, title: string, due: DateTime) {
  const r = await p.http.post(
    `/api/v1/pets/${owner.petId}/medical-records`,
    { type: 'vaccination', title, date: day(today()), nextDueDate: day(due) },
    { token: owner.accessToken },
  );
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}

describe('care reminders', () => {
  it('a vaccination due in 14 days mails its owner once at once; a moved due date gets a new reminder', async () => {
    const owner = await careOwner('Sari');
    const title = `Rabies ${randomUUID().slice(0, 8)}`;
    const due = today().plus({ days: 14 });
    const recordId = await addRecord(owner, title, due);

    await eventually(() => mailsWith(owner.email, title).length > 0, 30_000, 200);
    await settle();
    const mails = mailsWith(owner.email, title);
    expect(mails).toHaveLength(1);
    const dueText = DateTime.fromISO(day(due), { zone: ZONE }).setLocale('id').toFormat('cccc, d LLLL yyyy');
    expect(mails[0]!.subject).toBe(`Pengingat: Vaksinasi: ${title} untuk Milo pada ${dueText}`);
    expect(mails[0]!.text).toContain(`/pets/${owner.petId}`);
    // The day-before reminder waits for 00:00 in the owner's zone on the day before.
    const jobs = await careJobs(recordId);
    expect(jobs.map((j) => [j.offset_minutes, j.status])).toEqual([
      [1440, 'scheduled'],
      [20160, 'sent'],
    ]);
    expect(new Date(jobs[0]!.due_at as Date).getTime()).toBe(due.minus({ days: 1 }).toMillis());

    // Moved 20 days ahead: both reminders lie in the future; the old day-before one is cancelled.
    const later = today().plus({ days: 20 });
    const move = await p.http.patch(
      `/api/v1/pets/${owner.petId}/medical-records/${recordId}`,
      { nextDueDate: day(later) },
      { token: owner.accessToken },
    );
    expect(move.status, move.text).toBe(200);
    await eventually(async () => (await careJobs(recordId)).some((j) => j.due === day(later)), 15_000, 200);
    const moved = await careJobs(recordId);
    expect(moved.filter((j) => j.due === day(due)).map((j) => [j.offset_minutes, j.status, j.last_error])).toEqual([
      [1440, 'cancelled', 'due_date_changed'],
      [20160, 'sent', null],
    ]);
    expect(moved.filter((j) => j.due === day(later)).map((j) => [j.offset_minutes, j.status])).toEqual([
      [1440, 'scheduled'],
      [20160, 'scheduled'],
    ]);

    // The pet renamed: the next reminder names it so.
    const rename = await p.http.patch(`/api/v1/pets/${owner.petId}`, { name: 'Kopi' }, { token: owner.accessToken });
    expect(rename.status, rename.text).toBe(200);

    // Moved to 10 days ahead: the 14-day reminder's time is past, the due date ahead: one mail now,
    // naming the new date.
    const sooner = today().plus({ days: 10 });
    const again = await p.http.patch(
      `/api/v1/pets/${owner.petId}/medical-records/${recordId}`,
      { nextDueDate: day(sooner) },
      { token: owner.accessToken },
    );
    expect(again.status, again.text).toBe(200);
    await eventually(() => mailsWith(owner.email, title).length > 1, 30_000, 200);
    await settle();
    const all = mailsWith(owner.email, title);
    expect(all).toHaveLength(2);
    expect(all[1]!.subject).toContain(DateTime.fromISO(day(sooner)).setLocale('id').toFormat('d LLLL yyyy'));
    expect(all[1]!.subject).toContain('untuk Kopi');
    // A repeat of the same change sends nothing more (the ledger key includes the due date).
    const same = await p.http.patch(
      `/api/v1/pets/${owner.petId}/medical-records/${recordId}`,
      { title: `${title} ` },
      { token: owner.accessToken },
    );
    expect(same.status, same.text).toBe(200);
    await settle();
    expect(mailsWith(owner.email, title)).toHaveLength(2);
  }, 60_000);

  it('deleting the record or the pet before the send cancels it, also when the job was already due', async () => {
    const owner = await careOwner('Budi');
    const title = `Distemper ${randomUUID().slice(0, 8)}`;
    const recordId = await addRecord(owner, title, today().plus({ days: 30 }));
    await eventually(async () => (await careJobs(recordId)).length === 2, 15_000, 200);

    const del = await p.http.delete(`/api/v1/pets/${owner.petId}/medical-records/${recordId}`, {
      token: owner.accessToken,
    });
    expect(del.status).toBe(204);
    await eventually(async () => (await careJobs(recordId)).every((j) => j.status === 'cancelled'), 15_000, 200);
    expect((await careJobs(recordId)).map((j) => j.last_error)).toEqual(['record_deleted', 'record_deleted']);
    // A job that raced the deletion (due now, still scheduled) is re-read at send time and skipped.
    await serviceDb(
      p,
      'booking',
      `update reminder_jobs set status = 'scheduled', next_attempt_at = now() where kind = 'care' and subject_id = $1`,
      [recordId],
    );
    await eventually(async () => (await careJobs(recordId)).every((j) => j.status === 'skipped'), 15_000, 200);
    expect((await careJobs(recordId)).map((j) => j.last_error)).toEqual(['record_deleted', 'record_deleted']);

    // The pet deleted: its records' reminders end too, and a raced one is skipped at send time.
    const petTitle = `Parvo ${randomUUID().slice(0, 8)}`;
    const petRecord = await addRecord(owner, petTitle, today().plus({ days: 30 }));
    await eventually(async () => (await careJobs(petRecord)).length === 2, 15_000, 200);
    expect((await p.http.delete(`/api/v1/pets/${owner.petId}`, { token: owner.accessToken })).status).toBe(204);
    await eventually(async () => (await careJobs(petRecord)).every((j) => j.status === 'cancelled'), 15_000, 200);
    await serviceDb(
      p,
      'booking',
      `update reminder_jobs set status = 'scheduled', next_attempt_at = now() where kind = 'care' and subject_id = $1`,
      [petRecord],
    );
    await eventually(async () => (await careJobs(petRecord)).every((j) => j.status === 'skipped'), 15_000, 200);
    expect((await careJobs(petRecord)).map((j) => j.last_error)).toEqual(['pet_deleted', 'pet_deleted']);

    // Restored: the record's reminders are scheduled again.
    const restore = await p.http.post(`/api/v1/pets/${owner.petId}/restore`, {}, { token: owner.accessToken });
    expect(restore.status, restore.text).toBe(200);
    await eventually(
      async () => (await careJobs(petRecord)).filter((j) => j.status === 'scheduled').length === 2,
      15_000,
      200,
    );
    await settle();
    expect(mailsWith(owner.email, title)).toHaveLength(0);
    expect(mailsWith(owner.email, petTitle)).toHaveLength(0);
  }, 60_000);

  it('another user’s records never produce mail to the wrong person', async () => {
    const alice = await careOwner('Alice');
    const bob = await careOwner('Bob');
    // Alice cannot write on Bob's pet: 404, no event, no reminder.
    const forged = `Forged ${randomUUID().slice(0, 8)}`;
    const denied = await p.http.post(
      `/api/v1/pets/${bob.petId}/medical-records`,
      { type: 'vaccination', title: forged, date: day(today()), nextDueDate: day(today().plus({ days: 14 })) },
      { token: alice.accessToken },
    );
    expect(denied.status).toBe(404);

    const title = `Leptospirosis ${randomUUID().slice(0, 8)}`;
    await addRecord(bob, title, today().plus({ days: 14 }));
    await eventually(() => mailsWith(bob.email, title).length > 0, 30_000, 200);
    await settle();
    expect(mailsWith(bob.email, title)).toHaveLength(1);
    expect(p.smtp.mails.filter((m) => m.text.includes(title) && !m.to.includes(bob.email))).toEqual([]);
    expect(p.smtp.mails.filter((m) => m.text.includes(forged))).toEqual([]);
    expect(p.smtp.mails.filter((m) => m.to.includes(alice.email) && m.subject.startsWith('Pengingat'))).toEqual([]);
  }, 60_000);

  it('changed care offsets, zone or channels move the waiting reminders; a passed one is not sent anew', async () => {
    const owner = await careOwner('Wati');
    const title = `Leptospirosis ${randomUUID().slice(0, 8)}`;
    const due = today().plus({ days: 10 });
    const recordId = await addRecord(owner, title, due);
    // Defaults 14 and 1 days before: the 14-day one is already past and goes out at once.
    await eventually(() => mailsWith(owner.email, title).length === 1, 30_000, 200);
    const put = (body: Record<string, unknown>) =>
      p.http.put('/api/v1/users/me/preferences', body, { token: owner.accessToken });
    const waiting = async () =>
      (await careJobs(recordId)).filter((j) => j.status === 'scheduled').map((j) => [j.offset_minutes, j.channel]);

    // Only a week before now: the day-before reminder ends, a 7-day one waits.
    expect((await put({ notifications: { careReminderOffsetsDays: [7] } })).status).toBe(200);
    await eventually(async () => JSON.stringify(await waiting()) === JSON.stringify([[10080, 'email']]), 15_000, 200);
    const jobs = await careJobs(recordId);
    expect(jobs.filter((j) => j.offset_minutes === 1440).map((j) => [j.status, j.last_error])).toEqual([
      ['cancelled', 'preferences_changed'],
    ]);
    // Another zone: the 7-day reminder moves to 00:00 there.
    expect((await put({ timeZone: 'Asia/Jakarta' })).status).toBe(200);
    const jakartaAt = DateTime.fromISO(day(due), { zone: 'Asia/Jakarta' }).minus({ days: 7 }).toMillis();
    await eventually(
      async () =>
        (await careJobs(recordId)).some(
          (j) => j.status === 'scheduled' && new Date(j.due_at as Date).getTime() === jakartaAt,
        ),
      15_000,
      200,
    );
    // A second channel switched on: a job for it too; the 14-day time, already passed, gets none.
    expect((await put({ notifications: { inApp: { healthReminders: true } } })).status).toBe(200);
    await eventually(async () => (await waiting()).length === 2, 15_000, 200);
    expect((await waiting()).sort()).toEqual([
      [10080, 'email'],
      [10080, 'in_app'],
    ]);
    // A change that care reminders do not read (the theme) leaves the jobs alone.
    const before = (await careJobs(recordId)).length;
    expect((await put({ display: { theme: 'dark' } })).status).toBe(200);
    await settle();
    expect((await careJobs(recordId)).length).toBe(before);
    expect(mailsWith(owner.email, title)).toHaveLength(1);
  }, 60_000);
});
