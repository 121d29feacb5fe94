/**
 * Schedules through the gateway: who may read and write a clinic's rules, blocks and policy, and how
 * bad input is refused.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { serviceDb } from '../../../test/databases.ts';
import { adminOf } from '../../../test/users.ts';
import { createClinic, createOwner, localIso, mondayAhead, type ClinicFixture } from './helpers.ts';

let p: Platform;
let clinic: ClinicFixture;
beforeAll(async () => {
  p = await startPlatform({ databaseUrl: inject('databaseUrl') });
  clinic = await createClinic(p, { staff: [{ name: 'drh. Ayu', account: true }, { name: 'drh. Budi' }] });
});
afterAll(async () => {
  await p?.stop();
});

const rules = [
  { weekday: 1, start: '08:00', end: '12:00' },
  { weekday: 1, start: '13:00', end: '17:00', validFrom: '2027-01-01', validUntil: '2027-06-30' },
];

describe('schedule rules', () => {
  it('are written by the vendor and admins, read by the clinic’s staff, refused to everyone else', async () => {
    const vetB = clinic.staff[1]!.id;
    const saved = await p.http.put(
      `/api/v1/schedules/${clinic.id}/rules`,
      { rules: [...rules, { staffId: vetB, weekday: 6, start: '09:00', end: '24:00' }] },
      { token: clinic.vendor.accessToken },
    );
    expect(saved.status).toBe(200);
    expect(saved.body.timeZone).toBe('Asia/Jakarta');
    expect(saved.body.rules).toEqual([
      {
        id: expect.any(String),
        staffId: null,
        weekday: 1,
        start: '08:00',
        end: '12:00',
        validFrom: null,
        validUntil: null,
      },
      {
        id: expect.any(String),
        staffId: null,
        weekday: 1,
        start: '13:00',
        end: '17:00',
        validFrom: '2027-01-01',
        validUntil: '2027-06-30',
      },
      {
        id: expect.any(String),
        staffId: vetB,
        weekday: 6,
        start: '09:00',
        end: '24:00',
        validFrom: null,
        validUntil: null,
      },
    ]);

    const staffUser = clinic.staff[0]!.user!;
    const read = await p.http.get(`/api/v1/schedules/${clinic.id}/rules`, { token: staffUser.accessToken });
    expect(read.status).toBe(200);
    expect(read.body.rules).toEqual(saved.body.rules);
    expect(
      (await p.http.put(`/api/v1/schedules/${clinic.id}/rules`, { rules: [] }, { token: staffUser.accessToken }))
        .status,
    ).toBe(403);

    const otherVendor = (await createClinic(p, { staff: [] })).vendor;
    const owner = await createOwner(p);
    for (const stranger of [otherVendor, owner]) {
      expect((await p.http.get(`/api/v1/schedules/${clinic.id}/rules`, { token: stranger.accessToken })).status).toBe(
        403,
      );
      expect(
        (await p.http.put(`/api/v1/schedules/${clinic.id}/rules`, { rules: [] }, { token: stranger.accessToken }))
          .status,
      ).toBe(403);
      expect((await p.http.get(`/api/v1/schedules/${clinic.id}/policy`, { token: stranger.accessToken })).status).toBe(
        403,
      );
    }
    const a = await adminOf(p);
    expect((await p.http.put(`/api/v1/schedules/${clinic.id}/rules`, { rules }, { token: a.accessToken })).status).toBe(
      200,
    );
    expect((await p.http.get(`/api/v1/schedules/${clinic.id}/rules`)).status).toBe(401);
    expect((await p.http.get(`/api/v1/schedules/${randomUUID()}/rules`, { token: a.accessToken })).status).toBe(404);
  });

  it('refuses invalid rules with 400 naming each field', async () => {
    const bad = await p.http.put(
      `/api/v1/schedules/${clinic.id}/rules`,
      {
        rules: [
          { weekday: 0, start: '08:00', end: '12:00' },
          { weekday: 1, start: '12:00', end: '08:00' },
          { weekday: 1, start: '8:00', end: '25:00' },
          { weekday: 2, start: '08:00', end: '12:00', validFrom: '2027-05-01', validUntil: '2027-04-01' },
        ],
      },
      { token: clinic.vendor.accessToken },
    );
    expect(bad.status).toBe(400);
    const fields = bad.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['rules.0.weekday', 'rules.1.end', 'rules.2.start', 'rules.2.end', 'rules.3.validUntil']),
    );
    const strangerStaff = await p.http.put(
      `/api/v1/schedules/${clinic.id}/rules`,
      { rules: [{ staffId: randomUUID(), weekday: 1, start: '08:00', end: '12:00' }] },
      { token: clinic.vendor.accessToken },
    );
    expect(strangerStaff.status).toBe(400);
    expect(strangerStaff.body.errors[0]).toMatchObject({ field: 'rules.0.staffId', code: 'unknown_staff' });
  });
});

describe('blocked times', () => {
  it('are created, listed and removed by the vendor, with an availability event each time', async () => {
    const day = mondayAhead(clinic.timeZone);
    const zone = clinic.timeZone;
    const t = { token: clinic.vendor.accessToken };
    const whole = await p.http.post(
      `/api/v1/schedules/${clinic.id}/blocks`,
      { start: localIso(day, '12:00', zone), end: localIso(day, '13:00', zone), reason: 'Rapat staf' },
      t,
    );
    expect(whole.status).toBe(201);
    expect(whole.body).toMatchObject({
      staffId: null,
      start: `${day}T12:00:00+07:00`,
      end: `${day}T13:00:00+07:00`,
      reason: 'Rapat staf',
      recurrence: null,
    });
    const weekly = await p.http.post(
      `/api/v1/schedules/${clinic.id}/blocks`,
      {
        staffId: clinic.staff[0]!.id,
        start: localIso(day, '15:00', zone),
        end: localIso(day, '16:00', zone),
        reason: 'Kuliah',
        recurrence: { weekly: true, until: '2099-12-31' },
      },
      t,
    );
    expect(weekly.status).toBe(201);

    const listed = await p.http.get(`/api/v1/schedules/${clinic.id}/blocks`, {
      token: clinic.staff[0]!.user!.accessToken,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((b: { id: string }) => b.id)).toEqual(
      expect.arrayContaining([whole.body.id, weekly.body.id]),
    );
    // Far in the future only the weekly block is still running.
    const later = await p.http.get(`/api/v1/schedules/${clinic.id}/blocks?from=2098-01-01`, t);
    expect(later.body.items.map((b: { id: string }) => b.id)).toEqual([weekly.body.id]);

    expect(
      (
        await p.http.delete(`/api/v1/schedules/${clinic.id}/blocks/${whole.body.id}`, {
          token: clinic.staff[0]!.user!.accessToken,
        })
      ).status,
    ).toBe(403);
    expect((await p.http.delete(`/api/v1/schedules/${clinic.id}/blocks/${whole.body.id}`, t)).status).toBe(204);
    expect((await p.http.delete(`/api/v1/schedules/${clinic.id}/blocks/${whole.body.id}`, t)).status).toBe(404);

    const causes = await serviceDb<{ cause: string }>(
      p,
      'booking',
      `select payload->>'cause' as cause from outbox_events where clinic_id = $1 and type = ` +
        `'availability.changed' order by id`,
      [clinic.id],
    );
    expect(causes.map((c) => c.cause).filter((c) => c.startsWith('block'))).toEqual([
      'block.created',
      'block.created',
      'block.deleted',
    ]);
  });

  it('refuses a block that ends before it starts, a weekly block over 7 days, or a stranger staff member', async () => {
    const t = { token: clinic.vendor.accessToken };
    const base = { start: '2027-05-03T10:00:00+07:00', end: '2027-05-03T09:00:00+07:00', reason: 'x' };
    expect((await p.http.post(`/api/v1/schedules/${clinic.id}/blocks`, base, t)).status).toBe(400);
    const long = await p.http.post(
      `/api/v1/schedules/${clinic.id}/blocks`,
      { ...base, end: '2027-05-11T10:00:00+07:00', recurrence: { weekly: true } },
      t,
    );
    expect(long.status).toBe(400);
    expect(
      (
        await p.http.post(
          `/api/v1/schedules/${clinic.id}/blocks`,
          { ...base, end: '2027-05-03T11:00:00+07:00', staffId: randomUUID() },
          t,
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await p.http.post(
          `/api/v1/schedules/${clinic.id}/blocks`,
          { ...base, end: '2027-05-03T11:00:00', reason: 'no offset' },
          t,
        )
      ).status,
    ).toBe(400);
  });
});

describe('booking policy', () => {
  it('starts at the defaults, is replaced as a whole, and is validated', async () => {
    const fresh = await createClinic(p, { staff: [] });
    const t = { token: fresh.vendor.accessToken };
    const initial = await p.http.get(`/api/v1/schedules/${fresh.id}/policy`, t);
    expect(initial.body).toEqual({
      clinicId: fresh.id,
      minNoticeMinutes: 60,
      maxAdvanceDays: 90,
      cancellationCutoffMinutes: 120,
      slotStepMinutes: 15,
      dailyAgendaMail: true,
      isDefault: true,
    });
    const saved = await p.http.put(
      `/api/v1/schedules/${fresh.id}/policy`,
      { minNoticeMinutes: 30, slotStepMinutes: 30 },
      t,
    );
    expect(saved.body).toEqual({
      clinicId: fresh.id,
      minNoticeMinutes: 30,
      maxAdvanceDays: 90,
      cancellationCutoffMinutes: 120,
      slotStepMinutes: 30,
      dailyAgendaMail: true,
      isDefault: false,
    });
    expect((await p.http.get(`/api/v1/schedules/${fresh.id}/policy`, t)).body).toEqual(saved.body);
    const bad = await p.http.put(
      `/api/v1/schedules/${fresh.id}/policy`,
      { slotStepMinutes: 0, maxAdvanceDays: -1, extra: true },
      t,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['slotStepMinutes', 'maxAdvanceDays']),
    );
  });
});

describe('documentation', () => {
  it('publishes the booking endpoints, with the Idempotency-Key header, in the merged OpenAPI document', async () => {
    const doc = await p.http.get('/openapi.json');
    expect(doc.status).toBe(200);
    const paths = doc.body.paths as Record<
      string,
      Record<string, { parameters?: Array<{ name: string; in: string }> }>
    >;
    for (const path of [
      '/api/v1/availability',
      '/api/v1/bookings',
      '/api/v1/bookings/{id}',
      '/api/v1/bookings/{id}/no-show',
      '/api/v1/schedules/{clinicId}/rules',
      '/api/v1/schedules/{clinicId}/blocks/{blockId}',
      '/api/v1/schedules/{clinicId}/policy',
    ]) {
      expect(paths[path], path).toBeDefined();
    }
    expect(paths['/api/v1/bookings']!.post!.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
    );
  });
});
