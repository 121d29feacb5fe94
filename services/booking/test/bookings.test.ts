/**
 * Bookings through the gateway against the real auth, user and clinic services: booking listed and
 * unlisted times, races, idempotency, who may see and change what, the status machine, the outbox.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { DateTime } from 'luxon';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { serviceDb } from '../../../test/databases.ts';
import { adminOf, createVerifiedUser, relogin } from '../../../test/users.ts';
import {
  createClinic,
  createOwner,
  LUNCH_BREAK,
  mondayAhead,
  putRules,
  weeklyRules,
  type ClinicFixture,
} from './helpers.ts';

let p: Platform;
beforeAll(async () => {
  p = await startPlatform({ databaseUrl: inject('databaseUrl') });
});
afterAll(async () => {
  await p?.stop();
});

const MON_SAT = [1, 2, 3, 4, 5, 6];

async function openClinic(spec: Parameters<typeof createClinic>[1] = {}): Promise<ClinicFixture> {
  const clinic = await createClinic(p, spec);
  await putRules(p, clinic, weeklyRules(MON_SAT, LUNCH_BREAK));
  return clinic;
}

function book(token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return p.http.post('/api/v1/bookings', body, { token, headers });
}

function slotsOf(clinic: ClinicFixture, day: string) {
  return p.http.get(
    `/api/v1/availability?clinicId=${clinic.id}&serviceId=${clinic.services[0]!.id}&from=${day}&to=${day}`,
  );
}

/** Moves a booking into the past in the database, as time passing would (completing needs a started booking). */
async function moveIntoPast(bookingId: string): Promise<void> {
  await serviceDb(
    p,
    'booking',
    `update bookings set starts_at = now() - interval '2 hours', ends_at = now() - interval '1 hour',
       held_until = now() - interval '1 hour' where id = $1`,
    [bookingId],
  );
}

describe('POST /api/v1/bookings', () => {
  it('books a listed slot (the slot disappears) and refuses an unlisted time with 409 slot_unavailable', async () => {
    const clinic = await openClinic();
    const owner = await createOwner(p);
    const day = mondayAhead(clinic.timeZone);
    const before = await slotsOf(clinic, day);
    const nine = `${day}T09:00:00+07:00`;
    expect(before.body.slots.find((s: { start: string }) => s.start === nine).staffIds).toHaveLength(2);

    const base = {
      clinicId: clinic.id,
      serviceId: clinic.services[0]!.id,
      petIds: [owner.petId],
      notes: 'Batuk sejak kemarin',
    };
    const first = await book(owner.accessToken, { ...base, start: nine });
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe(`/api/v1/bookings/${first.body.id}`);
    expect(first.body).toMatchObject({
      status: 'pending',
      start: nine,
      end: `${day}T10:00:00+07:00`,
      ownerId: owner.userId,
      petIds: [owner.petId],
      pets: [{ id: owner.petId, name: 'Milo', species: 'dog' }],
      notes: 'Batuk sejak kemarin',
      staffRequested: false,
      service: {
        name: 'Konsultasi',
        durationMinutes: 60,
        bufferMinutes: 0,
        price: { amount: 150_000, currency: 'IDR' },
      },
    });
    const second = await book(owner.accessToken, { ...base, start: nine });
    expect(second.status).toBe(201);
    // Both vets were free: the second booking goes to the other one (balanced).
    expect(second.body.staffId).not.toBe(first.body.staffId);

    const after = await slotsOf(clinic, day);
    expect(after.body.slots.map((s: { start: string }) => s.start)).not.toContain(nine);
    const third = await book(owner.accessToken, { ...base, start: nine });
    expect(third.status).toBe(409);
    expect(third.body.code).toBe('slot_unavailable');

    for (const unlisted of [
      `${day}T12:00:00+07:00` /* lunch */,
      `${day}T09:10:00+07:00` /* off the grid */,
      `${day}T16:30:00+07:00` /* runs past closing */,
    ]) {
      const res = await book(owner.accessToken, { ...base, start: unlisted });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('slot_unavailable');
    }
    const sunday = DateTime.fromISO(day).minus({ days: 1 }).toISODate()!;
    expect((await book(owner.accessToken, { ...base, start: `${sunday}T09:00:00+07:00` })).status).toBe(409);
    const tooSoon = await book(owner.accessToken, {
      ...base,
      start: DateTime.now().plus({ minutes: 10 }).startOf('minute').toISO()!,
    });
    expect(tooSoon.status).toBe(409);
  });

  it(
    'lets exactly one of 50 concurrent requests for the same slot and staff member win; ' + 'the rest get 409',
    async () => {
      const clinic = await openClinic();
      const owners = await Promise.all([createOwner(p), createOwner(p)]);
      const day = DateTime.fromISO(mondayAhead(clinic.timeZone)).plus({ days: 1 }).toISODate()!;
      const start = `${day}T10:00:00+07:00`;
      const staffId = clinic.staff[0]!.id;
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => {
          const o = owners[i % owners.length]!;
          return book(o.accessToken, {
            clinicId: clinic.id,
            serviceId: clinic.services[0]!.id,
            petIds: [o.petId],
            start,
            staffId,
          });
        }),
      );
      const statuses = results.map((r) => r.status);
      const odd = results.filter((r) => r.status !== 201 && r.status !== 409);
      expect(odd.map((r) => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(49);
      expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'slot_unavailable')).toBe(true);
      const rows = await serviceDb<{ n: string }>(
        p,
        'booking',
        `select count(*) as n from bookings where staff_id = $1 and starts_at = $2`,
        [staffId, start],
      );
      expect(Number(rows[0]!.n)).toBe(1);
    },
  );

  it('spreads concurrent requests without a staff member over the free vets, never overlapping', async () => {
    const clinic = await openClinic();
    const owner = await createOwner(p);
    const day = DateTime.fromISO(mondayAhead(clinic.timeZone)).plus({ days: 2 }).toISODate()!;
    const start = `${day}T13:00:00+07:00`;
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        book(owner.accessToken, {
          clinicId: clinic.id,
          serviceId: clinic.services[0]!.id,
          petIds: [owner.petId],
          start,
        }),
      ),
    );
    const won = results.filter((r) => r.status === 201);
    expect(won, results.map((r) => `${r.status} ${r.body.code ?? ''}`).join(', ')).toHaveLength(2);
    expect(new Set(won.map((r) => r.body.staffId)).size).toBe(2);
    const others = results.filter((r) => r.status !== 201 && r.status !== 409);
    expect(others.map((r) => `${r.status} ${r.text}`)).toEqual([]);
  });

  it('returns the same booking for a retry with the same Idempotency-Key and 422 for another body', async () => {
    const clinic = await openClinic();
    const owner = await createOwner(p);
    const day = mondayAhead(clinic.timeZone, 3);
    const body = {
      clinicId: clinic.id,
      serviceId: clinic.services[0]!.id,
      petIds: [owner.petId],
      start: `${day}T08:00:00+07:00`,
    };
    const key = randomUUID();
    const first = await book(owner.accessToken, body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    const retry = await book(owner.accessToken, { ...body }, { 'Idempotency-Key': key });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');

    const other = await book(
      owner.accessToken,
      { ...body, start: `${day}T11:00:00+07:00` },
      { 'Idempotency-Key': key },
    );
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');

    // The key is the caller's own: another user with the same key makes their own booking.
    const stranger = await createOwner(p);
    const theirs = await book(stranger.accessToken, { ...body, petIds: [stranger.petId] }, { 'Idempotency-Key': key });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);

    const rows = await serviceDb<{ n: string }>(
      p,
      'booking',
      `select count(*) as n from bookings where owner_id = $1`,
      [owner.userId],
    );
    expect(Number(rows[0]!.n)).toBe(1);
    expect((await book(owner.accessToken, body, { 'Idempotency-Key': 'has spaces in it' })).status).toBe(400);

    // A key past its lifetime is free again: the same key now makes a new booking.
    await serviceDb(
      p,
      'booking',
      `update idempotency_keys set expires_at = now() - interval '1 second' where key = $1`,
      [key],
    );
    const later = await book(
      owner.accessToken,
      { ...body, start: `${day}T11:00:00+07:00` },
      { 'Idempotency-Key': key },
    );
    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(first.body.id);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    const again = await book(
      owner.accessToken,
      { ...body, start: `${day}T11:00:00+07:00` },
      { 'Idempotency-Key': key },
    );
    expect([again.status, again.body.id]).toEqual([201, later.body.id]);
  });

  // Issue 12 moved the header into the route's spec (documented and read by the router); the answers stay.
  it(
    'answers a new booking with its Location and no Idempotent-Replayed, ' +
      'and a malformed key with 400 invalid_idempotency_key',
    async () => {
      const clinic = await openClinic();
      const owner = await createOwner(p);
      const day = mondayAhead(clinic.timeZone, 3);
      const body = { clinicId: clinic.id, serviceId: clinic.services[0]!.id, petIds: [owner.petId] };
      const made = await book(
        owner.accessToken,
        { ...body, start: `${day}T09:00:00+07:00` },
        { 'Idempotency-Key': 'k1' },
      );
      expect(made.status).toBe(201);
      expect(made.headers.get('location')).toBe(`/api/v1/bookings/${made.body.id}`);
      expect(made.headers.has('idempotent-replayed')).toBe(false);
      for (const key of ['has spaces in it', 'k'.repeat(256), 'clé']) {
        const bad = await book(
          owner.accessToken,
          { ...body, start: `${day}T10:00:00+07:00` },
          { 'Idempotency-Key': key },
        );
        expect([bad.status, bad.body.code, bad.body.errors]).toEqual([
          400,
          'invalid_idempotency_key',
          [{ field: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }],
        ]);
      }
    },
  );

  it('creates one booking for concurrent requests with the same Idempotency-Key', async () => {
    const clinic = await openClinic();
    const owner = await createOwner(p);
    const day = mondayAhead(clinic.timeZone, 3);
    const body = {
      clinicId: clinic.id,
      serviceId: clinic.services[0]!.id,
      petIds: [owner.petId],
      start: `${day}T15:00:00+07:00`,
    };
    const key = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => book(owner.accessToken, body, { 'Idempotency-Key': key })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const rows = await serviceDb<{ n: string }>(
      p,
      'booking',
      `select count(*) as n from bookings where owner_id = $1`,
      [owner.userId],
    );
    expect(Number(rows[0]!.n)).toBe(1);
  });

  it('refuses pets that are not the caller’s with 422 pet_not_found', async () => {
    const clinic = await openClinic();
    const owner = await createOwner(p);
    const other = await createOwner(p);
    const day = mondayAhead(clinic.timeZone);
    const res = await book(owner.accessToken, {
      clinicId: clinic.id,
      serviceId: clinic.services[0]!.id,
      petIds: [owner.petId, other.petId],
      start: `${day}T11:00:00+07:00`,
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('pet_not_found');
    const invalid = await book(owner.accessToken, {
      clinicId: clinic.id,
      serviceId: clinic.services[0]!.id,
      petIds: [],
      start: `${day}T11:00:00+07:00`,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((e: { field: string }) => e.field)).toContain('petIds');
  });

  it('keeps the price, name and duration of the service at booking time', async () => {
    const clinic = await openClinic({
      services: [{ name: 'Vaksinasi', durationMinutes: 30, bufferMinutes: 15, amount: 200_000 }],
    });
    const owner = await createOwner(p);
    const day = mondayAhead(clinic.timeZone);
    const res = await book(owner.accessToken, {
      clinicId: clinic.id,
      serviceId: clinic.services[0]!.id,
      petIds: [owner.petId],
      start: `${day}T08:00:00+07:00`,
      staffId: clinic.staff[0]!.id,
    });
    expect(res.status).toBe(201);
    expect(res.body.end).toBe(`${day}T08:30:00+07:00`);
    const a = await adminOf(p);
    const changed = await p.http.patch(
      `/api/v1/clinics/${clinic.id}/services/${clinic.services[0]!.id}`,
      { name: 'Vaksinasi Lengkap', price: { amount: 350_000, currency: 'IDR' }, durationMinutes: 45 },
      { token: a.accessToken },
    );
    expect(changed.status).toBe(200);
    const again = await p.http.get(`/api/v1/bookings/${res.body.id}`, { token: owner.accessToken });
    expect(again.body.service).toEqual({
      name: 'Vaksinasi',
      category: 'consultation',
      durationMinutes: 30,
      bufferMinutes: 15,
      price: { amount: 200_000, currency: 'IDR' },
    });
    // The buffer is held: the same vet is next free at 08:45, not 08:30.
    const slots = await p.http.get(
      `/api/v1/availability?clinicId=${clinic.id}&serviceId=${clinic.services[0]!.id}` +
        `&from=${day}&to=${day}&staffId=${clinic.staff[0]!.id}`,
    );
    const times = slots.body.slots.map((s: { start: string }) => s.start.slice(11, 16));
    expect(times).not.toContain('08:30');
    expect(times).toContain('08:45');
  });
});

describe('the exclusion constraint', () => {
  it(
    'makes PostgreSQL itself refuse an overlapping open ' + 'booking of the same staff member (buffer included)',
    async () => {
      const clinic = await openClinic({ services: [{ name: 'Grooming', durationMinutes: 60, bufferMinutes: 30 }] });
      const owner = await createOwner(p);
      const day = mondayAhead(clinic.timeZone);
      const staffId = clinic.staff[0]!.id;
      const made = await book(owner.accessToken, {
        clinicId: clinic.id,
        serviceId: clinic.services[0]!.id,
        petIds: [owner.petId],
        start: `${day}T08:00:00+07:00`,
        staffId,
      });
      expect(made.status).toBe(201);
      // Bypass the service: a row starting in the held buffer (09:00-09:30) is refused by the database.
      const insert = (start: string, end: string, status = 'pending') =>
        serviceDb(
          p,
          'booking',
          `insert into bookings (id, clinic_id, service_id, staff_id, staff_requested, owner_id, pet_ids, pets,
           starts_at, ends_at, held_until, time_zone, status, service_name, duration_minutes, buffer_minutes,
           price_amount, price_currency)
         values ($1, $2, $3, $4, true, $5, '{}', '[]', $6, $7, $7, 'Asia/Jakarta', $8, 'x', 30, 0, 0, 'IDR')`,
          [randomUUID(), clinic.id, clinic.services[0]!.id, staffId, owner.userId, start, end, status],
        );
      await expect(insert(`${day}T09:15:00+07:00`, `${day}T09:45:00+07:00`)).rejects.toMatchObject({
        code: '23P01',
        constraint: 'bookings_no_overlap',
      });
      // Touching the end of the held time, a cancelled booking, or another staff member: all fine.
      await expect(insert(`${day}T09:30:00+07:00`, `${day}T10:00:00+07:00`)).resolves.toBeDefined();
      await expect(insert(`${day}T08:30:00+07:00`, `${day}T09:00:00+07:00`, 'cancelled')).resolves.toBeDefined();
    },
  );
});

describe('who may see and change a booking', () => {
  it(
    'hides a booking from other owners and other clinics’ vendors; ' +
      'shows it to the owner, the clinic’s vendor and staff, and admins',
    async () => {
      const clinic = await openClinic({ staff: [{ name: 'drh. Ayu', account: true }, { name: 'drh. Budi' }] });
      const owner = await createOwner(p);
      const day = mondayAhead(clinic.timeZone);
      const created = await book(owner.accessToken, {
        clinicId: clinic.id,
        serviceId: clinic.services[0]!.id,
        petIds: [owner.petId],
        start: `${day}T13:00:00+07:00`,
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;

      const otherOwner = await createOwner(p);
      const otherClinic = await openClinic();
      for (const stranger of [otherOwner, otherClinic.vendor]) {
        const t = { token: stranger.accessToken };
        expect((await p.http.get(`/api/v1/bookings/${id}`, t)).status).toBe(404);
        expect((await p.http.patch(`/api/v1/bookings/${id}`, { notes: 'mine now' }, t)).status).toBe(404);
        expect((await p.http.patch(`/api/v1/bookings/${id}`, { start: `${day}T14:00:00+07:00` }, t)).status).toBe(404);
        for (const action of ['cancel', 'confirm', 'complete', 'no-show']) {
          expect((await p.http.post(`/api/v1/bookings/${id}/${action}`, { reason: 'x' }, t)).status).toBe(404);
        }
        const list = await p.http.get('/api/v1/bookings', t);
        expect(list.body.items.map((b: { id: string }) => b.id)).not.toContain(id);
        expect((await p.http.get(`/api/v1/bookings?role=clinic&clinicId=${clinic.id}`, t)).status).toBe(403);
      }
      const unchanged = await p.http.get(`/api/v1/bookings/${id}`, { token: owner.accessToken });
      expect(unchanged.body).toMatchObject({ status: 'pending', notes: null, start: `${day}T13:00:00+07:00` });

      const staffUser = clinic.staff[0]!.user!;
      const a = await adminOf(p);
      for (const viewer of [owner, clinic.vendor, staffUser, a]) {
        expect((await p.http.get(`/api/v1/bookings/${id}`, { token: viewer.accessToken })).status).toBe(200);
      }
      const clinicList = await p.http.get(`/api/v1/bookings?role=clinic&clinicId=${clinic.id}`, {
        token: staffUser.accessToken,
      });
      expect(clinicList.status).toBe(200);
      expect(clinicList.body.items.map((b: { id: string }) => b.id)).toEqual([id]);
      expect((await p.http.get(`/api/v1/bookings/${id}`)).status).toBe(401);
    },
  );
});

describe('status machine', () => {
  it(
    'confirms, completes and cancels only along pending → confirmed → completed | no_show, ' + 'open → cancelled',
    async () => {
      const clinic = await openClinic({ staff: [{ name: 'drh. Ayu', account: true }, { name: 'drh. Budi' }] });
      const owner = await createOwner(p);
      const staffUser = clinic.staff[0]!.user!;
      const day = mondayAhead(clinic.timeZone);
      const base = { clinicId: clinic.id, serviceId: clinic.services[0]!.id, petIds: [owner.petId] };
      const b1 = (await book(owner.accessToken, { ...base, start: `${day}T08:00:00+07:00` })).body.id as string;
      const act = (id: string, action: string, token: string, body: Record<string, unknown> = {}) =>
        p.http.post(`/api/v1/bookings/${id}/${action}`, body, { token });

      expect((await act(b1, 'confirm', owner.accessToken)).status).toBe(403);
      expect((await act(b1, 'complete', clinic.vendor.accessToken)).body.code).toBe('invalid_transition');
      const confirmed = await act(b1, 'confirm', staffUser.accessToken);
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.status).toBe('confirmed');
      expect(confirmed.body.confirmedAt).toMatch(/\+07:00$/);
      const again = await act(b1, 'confirm', clinic.vendor.accessToken);
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('invalid_transition');

      const early = await act(b1, 'complete', clinic.vendor.accessToken);
      expect(early.status).toBe(409);
      expect(early.body.code).toBe('booking_not_started');
      await moveIntoPast(b1);
      const done = await act(b1, 'complete', clinic.vendor.accessToken);
      expect(done.status).toBe(200);
      expect(done.body.status).toBe('completed');
      for (const action of ['confirm', 'complete', 'no-show'])
        expect((await act(b1, action, clinic.vendor.accessToken)).body.code).toBe('invalid_transition');
      const lateCancel = await act(b1, 'cancel', clinic.vendor.accessToken, { reason: 'oops' });
      expect(lateCancel.status).toBe(409);
      expect(lateCancel.body.code).toBe('invalid_transition');

      const b2 = (await book(owner.accessToken, { ...base, start: `${day}T09:00:00+07:00` })).body.id as string;
      expect((await act(b2, 'no-show', clinic.vendor.accessToken)).body.code).toBe('invalid_transition');
      await act(b2, 'confirm', clinic.vendor.accessToken);
      await moveIntoPast(b2);
      expect((await act(b2, 'no-show', clinic.vendor.accessToken)).body.status).toBe('no_show');

      // The clinic cancels any time but must say why.
      const b3 = (await book(owner.accessToken, { ...base, start: `${day}T10:00:00+07:00` })).body.id as string;
      const noReason = await act(b3, 'cancel', clinic.vendor.accessToken);
      expect(noReason.status).toBe(400);
      expect(noReason.body.errors[0].field).toBe('reason');
      const cancelled = await act(b3, 'cancel', clinic.vendor.accessToken, { reason: 'Dokter sakit' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('cancelled');
      expect(cancelled.body.cancellation).toMatchObject({ by: 'clinic', reason: 'Dokter sakit' });
      expect((await act(b3, 'cancel', owner.accessToken)).body.code).toBe('invalid_transition');
      expect((await p.http.patch(`/api/v1/bookings/${b3}`, { notes: 'x' }, { token: owner.accessToken })).status).toBe(
        409,
      );
      // A cancelled booking releases its time.
      const slots = await slotsOf(clinic, day);
      expect(
        slots.body.slots.find((s: { start: string }) => s.start === `${day}T10:00:00+07:00`).staffIds,
      ).toHaveLength(2);
    },
  );

  it('lets the owner cancel until the cancellation cut-off, then only the clinic', async () => {
    const clinic = await openClinic();
    const owner = await createOwner(p);
    const day = mondayAhead(clinic.timeZone);
    const base = { clinicId: clinic.id, serviceId: clinic.services[0]!.id, petIds: [owner.petId] };
    const early = (await book(owner.accessToken, { ...base, start: `${day}T08:00:00+07:00` })).body.id as string;
    const ok = await p.http.post(`/api/v1/bookings/${early}/cancel`, {}, { token: owner.accessToken });
    expect(ok.status).toBe(200);
    expect(ok.body.cancellation).toMatchObject({ by: 'owner', reason: null });

    // A cut-off of 30 days puts a booking two weeks ahead inside it (a booking keeps the cut-off in force when it was
    // made).
    await p.http.put(
      `/api/v1/schedules/${clinic.id}/policy`,
      { cancellationCutoffMinutes: 43_200 },
      { token: clinic.vendor.accessToken },
    );
    const late = (await book(owner.accessToken, { ...base, start: `${day}T09:00:00+07:00` })).body.id as string;
    const refused = await p.http.post(
      `/api/v1/bookings/${late}/cancel`,
      { reason: 'change of plans' },
      { token: owner.accessToken },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('cancellation_cutoff_passed');
    const moved = await p.http.patch(
      `/api/v1/bookings/${late}`,
      { start: `${day}T11:00:00+07:00` },
      { token: owner.accessToken },
    );
    expect(moved.status).toBe(409);
    expect(moved.body.code).toBe('change_cutoff_passed');
    expect(
      (
        await p.http.post(
          `/api/v1/bookings/${late}/cancel`,
          { reason: 'Klinik tutup' },
          { token: clinic.vendor.accessToken },
        )
      ).status,
    ).toBe(200);
  });
});

describe('PATCH /api/v1/bookings/{id}', () => {
  it('reschedules and changes staff, validated like a new booking (the booking itself excluded)', async () => {
    const clinic = await openClinic();
    const [vetA, vetB] = clinic.staff.map((s) => s.id) as [string, string];
    const owner = await createOwner(p);
    const day = mondayAhead(clinic.timeZone);
    const base = { clinicId: clinic.id, serviceId: clinic.services[0]!.id, petIds: [owner.petId] };
    const mine = (await book(owner.accessToken, { ...base, start: `${day}T08:00:00+07:00`, staffId: vetA })).body;
    const blocker = (await book(owner.accessToken, { ...base, start: `${day}T10:00:00+07:00`, staffId: vetA })).body;
    expect(blocker.staffId).toBe(vetA);

    // 15 minutes later overlaps its own old time: fine, it does not collide with itself.
    const shifted = await p.http.patch(
      `/api/v1/bookings/${mine.id}`,
      { start: `${day}T08:15:00+07:00` },
      { token: owner.accessToken },
    );
    expect(shifted.status).toBe(200);
    expect(shifted.body).toMatchObject({
      start: `${day}T08:15:00+07:00`,
      end: `${day}T09:15:00+07:00`,
      staffId: vetA,
      version: 2,
    });
    // The owner chose vet A: a move keeps vet A, who is busy at 10:00.
    const clash = await p.http.patch(
      `/api/v1/bookings/${mine.id}`,
      { start: `${day}T09:30:00+07:00` },
      { token: owner.accessToken },
    );
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('slot_unavailable');
    const offGrid = await p.http.patch(
      `/api/v1/bookings/${mine.id}`,
      { start: `${day}T12:30:00+07:00` },
      { token: owner.accessToken },
    );
    expect(offGrid.status).toBe(409);
    const withB = await p.http.patch(
      `/api/v1/bookings/${mine.id}`,
      { start: `${day}T09:30:00+07:00`, staffId: vetB, notes: 'Pindah ke drh. Budi' },
      { token: owner.accessToken },
    );
    expect(withB.status).toBe(200);
    expect(withB.body).toMatchObject({ staffId: vetB, start: `${day}T09:30:00+07:00`, notes: 'Pindah ke drh. Budi' });

    // A confirmed booking moved by the owner needs the clinic's confirmation again; the clinic's own moves keep it.
    await p.http.post(`/api/v1/bookings/${mine.id}/confirm`, {}, { token: clinic.vendor.accessToken });
    const byClinic = await p.http.patch(
      `/api/v1/bookings/${mine.id}`,
      { start: `${day}T13:00:00+07:00` },
      { token: clinic.vendor.accessToken },
    );
    expect(byClinic.body).toMatchObject({ status: 'confirmed', start: `${day}T13:00:00+07:00` });
    const byOwner = await p.http.patch(
      `/api/v1/bookings/${mine.id}`,
      { start: `${day}T14:00:00+07:00` },
      { token: owner.accessToken },
    );
    expect(byOwner.body).toMatchObject({ status: 'pending', confirmedAt: null });

    const unknownStaff = await p.http.patch(
      `/api/v1/bookings/${mine.id}`,
      { staffId: randomUUID() },
      { token: owner.accessToken },
    );
    expect(unknownStaff.status).toBe(400);
    expect((await p.http.patch(`/api/v1/bookings/${mine.id}`, {}, { token: owner.accessToken })).status).toBe(400);
  });
});

describe('GET /api/v1/bookings', () => {
  it('pages the owner’s bookings by start with a cursor and filters by status and local dates', async () => {
    const clinic = await openClinic();
    const owner = await createOwner(p);
    const monday = mondayAhead(clinic.timeZone);
    const tuesday = DateTime.fromISO(monday).plus({ days: 1 }).toISODate()!;
    const base = { clinicId: clinic.id, serviceId: clinic.services[0]!.id, petIds: [owner.petId] };
    const ids: string[] = [];
    for (const start of [`${tuesday}T08:00:00+07:00`, `${monday}T09:00:00+07:00`, `${monday}T08:00:00+07:00`]) {
      ids.push((await book(owner.accessToken, { ...base, start })).body.id);
    }
    await p.http.post(`/api/v1/bookings/${ids[0]}/confirm`, {}, { token: clinic.vendor.accessToken });
    const t = { token: owner.accessToken };
    const page1 = await p.http.get('/api/v1/bookings?limit=2', t);
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((b: { id: string }) => b.id)).toEqual([ids[2], ids[1]]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await p.http.get(`/api/v1/bookings?limit=2&cursor=${page1.body.nextCursor}`, t);
    expect(page2.body.items.map((b: { id: string }) => b.id)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeNull();

    expect(
      (await p.http.get('/api/v1/bookings?status=confirmed', t)).body.items.map((b: { id: string }) => b.id),
    ).toEqual([ids[0]]);
    expect((await p.http.get('/api/v1/bookings?status=pending,cancelled', t)).body.items).toHaveLength(2);
    expect((await p.http.get(`/api/v1/bookings?from=${monday}&to=${monday}`, t)).body.items).toHaveLength(2);
    expect(
      (await p.http.get(`/api/v1/bookings?from=${tuesday}`, t)).body.items.map((b: { id: string }) => b.id),
    ).toEqual([ids[0]]);
    expect(
      (
        await p.http.get(
          `/api/v1/bookings?from=${encodeURIComponent(`${monday}T08:30:00+07:00`)}` +
            `&to=${encodeURIComponent(`${tuesday}T08:00:00+07:00`)}`,
          t,
        )
      ).body.items,
    ).toHaveLength(1);
    expect((await p.http.get('/api/v1/bookings?status=done', t)).status).toBe(400);
    expect((await p.http.get('/api/v1/bookings?cursor=nonsense', t)).status).toBe(400);
    expect((await p.http.get('/api/v1/bookings?role=clinic', { token: clinic.vendor.accessToken })).status).toBe(400);
    const clinicView = await p.http.get(`/api/v1/bookings?role=clinic&clinicId=${clinic.id}&status=pending`, {
      token: clinic.vendor.accessToken,
    });
    expect(clinicView.body.items.map((b: { id: string }) => b.id)).toEqual([ids[2], ids[1]]);
  });
});

describe('outbox', () => {
  it('records an event for every booking and availability change, in the same transaction as the change', async () => {
    const clinic = await openClinic();
    const owner = await createOwner(p);
    const day = mondayAhead(clinic.timeZone);
    const created = await book(owner.accessToken, {
      clinicId: clinic.id,
      serviceId: clinic.services[0]!.id,
      petIds: [owner.petId],
      start: `${day}T11:00:00+07:00`,
    });
    const id = created.body.id as string;
    await p.http.patch(`/api/v1/bookings/${id}`, { notes: 'Bawa buku vaksin' }, { token: owner.accessToken });
    await p.http.post(`/api/v1/bookings/${id}/confirm`, {}, { token: clinic.vendor.accessToken });
    await p.http.post(
      `/api/v1/bookings/${id}/cancel`,
      { reason: 'Dokter berhalangan' },
      { token: clinic.vendor.accessToken },
    );
    // A refused change writes nothing.
    await p.http.post(`/api/v1/bookings/${id}/confirm`, {}, { token: clinic.vendor.accessToken });

    const events = await serviceDb<{
      type: string;
      owner_id: string | null;
      clinic_id: string;
      payload: Record<string, unknown>;
      published_at: Date | null;
    }>(
      p,
      'booking',
      `select type, owner_id, clinic_id, payload, published_at from outbox_events where aggregate_id = $1 order by id`,
      [id],
    );
    expect(events.map((e) => e.type)).toEqual([
      'booking.created',
      'booking.updated',
      'booking.confirmed',
      'booking.cancelled',
    ]);
    for (const e of events)
      expect(e).toMatchObject({ owner_id: owner.userId, clinic_id: clinic.id, published_at: null });
    expect(events[0]!.payload).toMatchObject({ booking: { id, status: 'pending', start: `${day}T11:00:00+07:00` } });
    expect(events[1]!.payload.changes).toEqual(['notes']);
    expect(events[3]!.payload).toMatchObject({
      booking: { status: 'cancelled' },
      actor: { userId: clinic.vendor.userId, as: 'clinic' },
    });

    const availability = await serviceDb<{ payload: { cause: string; staffIds?: string[] } }>(
      p,
      'booking',
      // The clinic service's own changes (hours, services, staff of the set-up) arrive through its feed.
      `select payload from outbox_events where type = 'availability.changed' and clinic_id = $1
       and payload->>'cause' not like 'clinic.%' order by id`,
      [clinic.id],
    );
    expect(availability.map((e) => e.payload.cause)).toEqual(['rules', 'booking.created', 'booking.cancelled']);
    expect(availability[1]!.payload.staffIds).toEqual([created.body.staffId]);
  });
});

describe('unknown and unavailable', () => {
  it(
    'answers 404 for an unknown clinic, service or booking, ' + '400 for a malformed id, 403 without booking:create',
    async () => {
      const owner = await createOwner(p);
      const clinic = await openClinic();
      const day = mondayAhead(clinic.timeZone);
      const unknownClinic = await book(owner.accessToken, {
        clinicId: randomUUID(),
        serviceId: clinic.services[0]!.id,
        petIds: [owner.petId],
        start: `${day}T08:00:00+07:00`,
      });
      expect(unknownClinic.status).toBe(404);
      expect(unknownClinic.body.code).toBe('clinic_not_found');
      const unknownService = await book(owner.accessToken, {
        clinicId: clinic.id,
        serviceId: randomUUID(),
        petIds: [owner.petId],
        start: `${day}T08:00:00+07:00`,
      });
      expect(unknownService.status).toBe(404);
      expect(unknownService.body.code).toBe('service_not_found');
      // An unpublished clinic does not exist for a stranger, whatever the service asked for.
      const hidden = await openClinic({ published: false });
      for (const serviceId of [hidden.services[0]!.id, randomUUID()]) {
        const res = await book(owner.accessToken, {
          clinicId: hidden.id,
          serviceId,
          petIds: [owner.petId],
          start: `${day}T08:00:00+07:00`,
        });
        expect([res.status, res.body.code]).toEqual([404, 'clinic_not_found']);
      }
      expect((await p.http.get(`/api/v1/bookings/${randomUUID()}`, { token: owner.accessToken })).status).toBe(404);
      expect((await p.http.get('/api/v1/bookings/not-a-uuid', { token: owner.accessToken })).status).toBe(400);
      // Booking is a permission of the pet_owner role: without it, 403.
      const a = await adminOf(p);
      const roles = await p.http.put(
        `/api/v1/admin/users/${owner.userId}/roles`,
        { roles: ['clinic_staff'] },
        { token: a.accessToken },
      );
      expect(roles.status).toBe(200);
      const withoutRole = await relogin(p, owner);
      const forbidden = await book(withoutRole.accessToken, {
        clinicId: clinic.id,
        serviceId: clinic.services[0]!.id,
        petIds: [owner.petId],
        start: `${day}T08:00:00+07:00`,
      });
      expect(forbidden.status).toBe(403);
      const strangerUser = await createVerifiedUser(p);
      expect((await p.http.get('/api/v1/bookings', { token: strangerUser.accessToken })).body).toEqual({
        items: [],
        nextCursor: null,
      });
    },
  );
});
