/**
 * Availability through the gateway, on clinics set up through the real clinic service.
 */
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { DateTime } from 'luxon';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { adminOf } from '../../../test/users.ts';
import {
  createClinic,
  createOwner,
  LUNCH_BREAK,
  localIso,
  mondayAhead,
  putRules,
  weeklyRules,
  type ClinicFixture,
} from './helpers.ts';

let p: Platform;
beforeAll(async () => {
  p = await startPlatform({ databaseUrl: inject('databaseUrl'), env: { BOOKING_CLINIC_CACHE_SECONDS: '1' } });
});
afterAll(async () => {
  await p?.stop();
});

interface SlotView {
  start: string;
  end: string;
  staffIds: string[];
}

const MON_SAT = [1, 2, 3, 4, 5, 6];

function availability(clinic: ClinicFixture, from: string, to: string, extra = '') {
  return p.http.get(
    `/api/v1/availability?clinicId=${clinic.id}&serviceId=${clinic.services[0]!.id}` +
      `&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}${extra}`,
  );
}

/** Every 15 minutes from `from` while a 60-minute slot still ends by `until` (local HH:MM). */
function starts(from: string, until: string): string[] {
  const out: string[] = [];
  let t = DateTime.fromFormat(from, 'HH:mm');
  const last = DateTime.fromFormat(until, 'HH:mm').minus({ minutes: 60 });
  while (t <= last) {
    out.push(t.toFormat('HH:mm'));
    t = t.plus({ minutes: 15 });
  }
  return out;
}

describe('GET /api/v1/availability', () => {
  it(
    'lists exactly the expected slots for a day with a lunch break, ' +
      'a blocked hour for one vet and an existing booking',
    async () => {
      const clinic = await createClinic(p);
      const [vetA, vetB] = clinic.staff.map((s) => s.id) as [string, string];
      await putRules(p, clinic, weeklyRules(MON_SAT, LUNCH_BREAK));
      const day = mondayAhead(clinic.timeZone);
      const zone = clinic.timeZone;

      const block = await p.http.post(
        `/api/v1/schedules/${clinic.id}/blocks`,
        { staffId: vetA, start: localIso(day, '10:00', zone), end: localIso(day, '11:00', zone), reason: 'Operasi' },
        { token: clinic.vendor.accessToken },
      );
      expect(block.status).toBe(201);
      const owner = await createOwner(p);
      const booked = await p.http.post(
        '/api/v1/bookings',
        {
          clinicId: clinic.id,
          serviceId: clinic.services[0]!.id,
          petIds: [owner.petId],
          start: localIso(day, '14:00', zone),
          staffId: vetB,
        },
        { token: owner.accessToken },
      );
      expect(booked.status).toBe(201);

      const res = await availability(clinic, day, day);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        clinicId: clinic.id,
        serviceId: clinic.services[0]!.id,
        timeZone: 'Asia/Jakarta',
      });

      // vet A is blocked 10:00-11:00, so a 60-minute slot starting after 09:00 and before 11:00 is not theirs;
      // vet B is booked 14:00-15:00, so slots starting after 13:00 and before 15:00 are not theirs.
      const both = [vetA, vetB].sort();
      const expected: SlotView[] = [...starts('08:00', '12:00'), ...starts('13:00', '17:00')].map((hhmm) => {
        const aBusy = hhmm > '09:00' && hhmm < '11:00';
        const bBusy = hhmm > '13:00' && hhmm < '15:00';
        const staffIds = both.filter((id) => !(id === vetA && aBusy) && !(id === vetB && bBusy));
        const start = localIso(day, hhmm, zone);
        return {
          start,
          end: DateTime.fromISO(start, { setZone: true }).plus({ minutes: 60 }).toISO({ suppressMilliseconds: true })!,
          staffIds,
        };
      });
      expect(res.body.slots).toEqual(expected);
      expect(res.body.slots[0].start).toBe(`${day}T08:00:00+07:00`);
    },
  );

  it('gives slots at the same local times before and after the last Sunday of March in Europe/Berlin', async () => {
    const zone = 'Europe/Berlin';
    const clinic = await createClinic(p, {
      timeZone: zone,
      weekdays: [1, 2, 3, 4, 5, 6, 7],
      ranges: [{ start: '09:00', end: '12:00' }],
    });
    await putRules(p, clinic, weeklyRules([1, 2, 3, 4, 5, 6, 7], [{ start: '09:00', end: '12:00' }]));
    // The change may be more than the default 90 days ahead.
    const policy = await p.http.put(
      `/api/v1/schedules/${clinic.id}/policy`,
      { maxAdvanceDays: 730 },
      { token: clinic.vendor.accessToken },
    );
    expect(policy.status).toBe(200);

    const now = DateTime.now().setZone(zone);
    let march = DateTime.fromObject({ year: now.year, month: 3, day: 31 }, { zone });
    if (march < now.plus({ days: 2 })) march = march.set({ year: now.year + 1 });
    const lastSunday = march.minus({ days: march.weekday % 7 });
    expect(lastSunday.weekday).toBe(7);
    const from = lastSunday.minus({ days: 2 }).toISODate()!;
    const to = lastSunday.plus({ days: 2 }).toISODate()!;

    const res = await availability(clinic, from, to);
    expect(res.status).toBe(200);
    const byDay = new Map<string, string[]>();
    for (const s of res.body.slots as SlotView[]) {
      const local = DateTime.fromISO(s.start, { zone });
      byDay.set(local.toISODate()!, [...(byDay.get(local.toISODate()!) ?? []), local.toFormat('HH:mm')]);
    }
    const expectedTimes = starts('09:00', '12:00');
    expect([...byDay.keys()]).toHaveLength(5);
    for (const times of byDay.values()) expect(times).toEqual(expectedTimes);
    // The offset written on each slot follows the change: +01:00 before, +02:00 after.
    const first = (res.body.slots as SlotView[])[0]!.start;
    const last = (res.body.slots as SlotView[]).at(-1)!.start;
    expect(first).toBe(`${from}T09:00:00+01:00`);
    expect(last).toBe(`${to}T11:00:00+02:00`);
  });

  it('refuses a range over 31 days with 400 and accepts exactly 31', async () => {
    const clinic = await createClinic(p);
    const from = mondayAhead(clinic.timeZone);
    const ok = DateTime.fromISO(from).plus({ days: 30 }).toISODate()!; // `to` is inclusive: 31 days
    const tooLong = DateTime.fromISO(from).plus({ days: 31 }).toISODate()!;
    expect((await availability(clinic, from, ok)).status).toBe(200);
    const res = await availability(clinic, from, tooLong);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('availability_range_too_long');
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('accepts instants, filters by staff member and refuses bad input with 400', async () => {
    const clinic = await createClinic(p);
    const [vetA] = clinic.staff.map((s) => s.id) as [string];
    await putRules(p, clinic, weeklyRules(MON_SAT, LUNCH_BREAK));
    const day = mondayAhead(clinic.timeZone);
    const res = await availability(clinic, `${day}T09:00:00+07:00`, `${day}T10:00:00+07:00`, `&staffId=${vetA}`);
    expect(res.status).toBe(200);
    expect(res.body.slots.map((s: SlotView) => s.start)).toEqual(
      ['09:00', '09:15', '09:30', '09:45'].map((t) => `${day}T${t}:00+07:00`),
    );
    expect(res.body.slots.every((s: SlotView) => s.staffIds.join() === vetA)).toBe(true);

    expect((await availability(clinic, day, 'tomorrow')).status).toBe(400);
    expect((await availability(clinic, `${day}T09:00:00`, day)).status).toBe(400); // an instant needs an offset
    const reversed = await availability(clinic, day, DateTime.fromISO(day).minus({ days: 1 }).toISODate()!);
    expect(reversed.status).toBe(400);
    expect(reversed.body.code).toBe('invalid_range');
    const unknown = await p.http.get(
      `/api/v1/availability?clinicId=${clinic.id}&serviceId=0190f5a4-5c3e-7000-8000-000000000001&from=${day}&to=${day}`,
    );
    expect(unknown.status).toBe(404);
  });

  it('applies a weekly recurring block every week at the same local time', async () => {
    const clinic = await createClinic(p, { staff: [{ name: 'drh. Citra' }] });
    const [vet] = clinic.staff.map((s) => s.id) as [string];
    await putRules(p, clinic, weeklyRules(MON_SAT, LUNCH_BREAK));
    const day = mondayAhead(clinic.timeZone);
    const block = await p.http.post(
      `/api/v1/schedules/${clinic.id}/blocks`,
      {
        staffId: vet,
        start: localIso(day, '15:00', clinic.timeZone),
        end: localIso(day, '16:00', clinic.timeZone),
        reason: 'Rapat mingguan',
        recurrence: { weekly: true },
      },
      { token: clinic.vendor.accessToken },
    );
    expect(block.status).toBe(201);
    expect(block.body.recurrence).toEqual({ weekly: true, until: null });
    for (const week of [0, 1, 3]) {
      const d = DateTime.fromISO(day).plus({ weeks: week }).toISODate()!;
      const res = await availability(clinic, d, d);
      const times = (res.body.slots as SlotView[]).map((s) => s.start.slice(11, 16));
      expect(times).toContain('14:00');
      expect(times).not.toContain('14:15');
      expect(times).not.toContain('15:45');
      expect(times).toContain('16:00');
    }
    // Tuesdays are not blocked.
    const tuesday = DateTime.fromISO(day).plus({ days: 1 }).toISODate()!;
    expect(
      ((await availability(clinic, tuesday, tuesday)).body.slots as SlotView[]).map((s) => s.start.slice(11, 16)),
    ).toContain('15:00');
  });

  it(
    'offers nothing without schedule rules, for an inactive service, ' + 'or to the public for an unpublished clinic',
    async () => {
      const clinic = await createClinic(p);
      const day = mondayAhead(clinic.timeZone);
      expect((await availability(clinic, day, day)).body.slots).toEqual([]);

      await putRules(p, clinic, weeklyRules(MON_SAT, LUNCH_BREAK));
      expect((await availability(clinic, day, day)).body.slots.length).toBe(26);

      const a = await adminOf(p);
      const off = await p.http.patch(
        `/api/v1/clinics/${clinic.id}/services/${clinic.services[0]!.id}`,
        { active: false },
        { token: a.accessToken },
      );
      expect(off.status).toBe(200);
      // Clinic data is cached briefly on the availability path (1 s in this file).
      await new Promise((r) => setTimeout(r, 1_200));
      expect((await availability(clinic, day, day)).body.slots).toEqual([]);

      const hidden = await createClinic(p, { published: false });
      await putRules(p, hidden, weeklyRules(MON_SAT, LUNCH_BREAK));
      expect((await availability(hidden, day, day)).status).toBe(404);
      const own = await p.http.get(
        `/api/v1/availability?clinicId=${hidden.id}&serviceId=${hidden.services[0]!.id}&from=${day}&to=${day}`,
        { token: hidden.vendor.accessToken },
      );
      expect(own.status).toBe(200);
      expect(own.body.slots.length).toBe(26);
    },
  );
});
