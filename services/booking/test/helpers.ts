/**
 * Test set-up through the real services, as a client would: a clinic created by an admin for a vendor
 * (the clinic service lets an admin name the owner, which skips the long onboarding), its hours,
 * services and staff; pet owners with pets.
 */
import { DateTime } from 'luxon';
import type { PlatformClient } from '../../../test/platform.ts';
import { adminOf, createVendor, createVerifiedUser, relogin, type TestUser } from '../../../test/users.ts';
import { linkStaffAccount } from '../../../test/staff.ts';

export const LUNCH_BREAK = [
  { start: '08:00', end: '12:00' },
  { start: '13:00', end: '17:00' },
];

export interface ClinicSpec {
  timeZone?: string;
  weekdays?: number[];
  ranges?: Array<{ start: string; end: string }>;
  services?: Array<{ name: string; durationMinutes: number; bufferMinutes?: number; amount?: number }>;
  /** Staff members; `account: true` links a user account (who then reads the clinic's schedule as staff). */
  staff?: Array<{ name: string; account?: boolean; services?: 'all' | number[] }>;
  published?: boolean;
  /** The owner (with the vendor role, see createVendor); a fresh vendor account when not given. */
  vendor?: TestUser;
}

export interface ClinicFixture {
  id: string;
  timeZone: string;
  vendor: TestUser;
  services: Array<{ id: string; name: string; durationMinutes: number; bufferMinutes: number }>;
  staff: Array<{ id: string; name: string; user?: TestUser }>;
}

function expectStatus(res: { status: number; text: string }, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text}`);
}

/** A published clinic with opening hours, services and staff, owned by a fresh vendor account. */
export async function createClinic(p: PlatformClient, spec: ClinicSpec = {}): Promise<ClinicFixture> {
  const a = await adminOf(p);
  const vendor = spec.vendor ?? (await createVendor(p));
  const timeZone = spec.timeZone ?? 'Asia/Jakarta';
  const created = await p.http.post(
    '/api/v1/clinics',
    {
      name: `Klinik ${Math.random().toString(36).slice(2, 8)}`,
      timeZone,
      ownerUserId: vendor.userId,
      address: 'Jl. Kemang Raya 1',
      city: 'Jakarta',
      location: { lat: -6.26, lng: 106.81 },
      published: spec.published ?? true,
    },
    { token: a.accessToken },
  );
  expectStatus(created, 201, 'create clinic');
  const id = created.body.id as string;
  const weekdays = spec.weekdays ?? [1, 2, 3, 4, 5, 6];
  const ranges = spec.ranges ?? LUNCH_BREAK;
  const hours = await p.http.put(
    `/api/v1/clinics/${id}/hours`,
    { weekly: weekdays.map((weekday) => ({ weekday, ranges })), closures: [] },
    { token: a.accessToken },
  );
  expectStatus(hours, 200, 'set hours');

  const services: ClinicFixture['services'] = [];
  for (const s of spec.services ?? [{ name: 'Konsultasi', durationMinutes: 60 }]) {
    const r = await p.http.post(
      `/api/v1/clinics/${id}/services`,
      {
        name: s.name,
        category: 'consultation',
        price: { amount: s.amount ?? 150_000, currency: 'IDR' },
        durationMinutes: s.durationMinutes,
        bufferMinutes: s.bufferMinutes ?? 0,
      },
      { token: a.accessToken },
    );
    expectStatus(r, 201, 'create service');
    services.push({
      id: r.body.id,
      name: s.name,
      durationMinutes: s.durationMinutes,
      bufferMinutes: s.bufferMinutes ?? 0,
    });
  }

  const staff: ClinicFixture['staff'] = [];
  for (const m of spec.staff ?? [{ name: 'drh. Ayu' }, { name: 'drh. Budi' }]) {
    const user = m.account ? await createVerifiedUser(p, { name: m.name }) : undefined;
    const serviceIds =
      m.services === undefined || m.services === 'all'
        ? services.map((s) => s.id)
        : m.services.map((i) => services[i]!.id);
    const r = await p.http.post(
      `/api/v1/clinics/${id}/staff`,
      { name: m.name, role: 'vet', serviceIds },
      { token: a.accessToken },
    );
    expectStatus(r, 201, 'create staff');
    if (user) await linkStaffAccount(p, a.accessToken, id, r.body.id, user);
    // Logged in again: the link granted clinic_staff, which the earlier token does not carry.
    staff.push({ id: r.body.id, name: m.name, user: user && (await relogin(p, user)) });
  }
  return { id, timeZone, vendor, services, staff };
}

/** Sets the clinic-wide weekly rules (same days and ranges as the opening hours by default). */
export async function putRules(
  p: PlatformClient,
  clinic: ClinicFixture,
  rules: Array<Record<string, unknown>>,
): Promise<void> {
  const r = await p.http.put(`/api/v1/schedules/${clinic.id}/rules`, { rules }, { token: clinic.vendor.accessToken });
  expectStatus(r, 200, 'put rules');
}

/** Weekly rules for the given weekdays and ranges, optionally for one staff member. */
export function weeklyRules(
  weekdays: number[],
  ranges: Array<{ start: string; end: string }>,
  staffId?: string,
): Array<Record<string, unknown>> {
  return weekdays.flatMap((weekday) =>
    ranges.map((r) => ({ weekday, start: r.start, end: r.end, ...(staffId ? { staffId } : {}) })),
  );
}

/** A verified pet owner with one dog. */
export async function createOwner(p: PlatformClient, name = 'Pemilik'): Promise<TestUser & { petId: string }> {
  const user = await createVerifiedUser(p, { name });
  const pet = await p.http.post('/api/v1/pets', { name: 'Milo', species: 'dog' }, { token: user.accessToken });
  expectStatus(pet, 201, 'create pet');
  return { ...user, petId: pet.body.id as string };
}

/** The Monday `weeksAhead` weeks from now, as a clinic-local date. */
export function mondayAhead(zone: string, weeksAhead = 2): string {
  return DateTime.now().setZone(zone).plus({ weeks: weeksAhead }).startOf('week').toISODate()!;
}

/** An ISO instant of a local wall-clock time on a date, with the zone's offset (as the API writes them). */
export function localIso(date: string, time: string, zone: string): string {
  return DateTime.fromISO(`${date}T${time}`, { zone }).toISO({ suppressMilliseconds: true })!;
}

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

/**
 * A clinic open from `start` (clinic-local, minute-aligned) to midnight every day, taking bookings
 * with no notice and no cancellation cut-off, with `staff` vets: a booking minutes ahead can carry a
 * reminder due within the minute.
 */
export async function clinicOpenFrom(
  p: PlatformClient,
  start: DateTime,
  staff: number,
  policy: Record<string, unknown> = {},
): Promise<ClinicFixture> {
  const ranges = [{ start: start.toFormat('HH:mm'), end: '24:00' }];
  const clinic = await createClinic(p, {
    timeZone: start.zoneName!,
    weekdays: EVERY_DAY,
    ranges,
    services: [{ name: 'Vaksinasi', durationMinutes: 15 }],
    staff: Array.from({ length: staff }, (_, i) => ({ name: `drh. Vet ${i + 1}` })),
  });
  await putRules(p, clinic, weeklyRules(EVERY_DAY, ranges));
  const saved = await p.http.put(
    `/api/v1/schedules/${clinic.id}/policy`,
    { minNoticeMinutes: 0, cancellationCutoffMinutes: 0, slotStepMinutes: 5, ...policy },
    { token: clinic.vendor.accessToken },
  );
  expectStatus(saved, 200, 'set policy');
  return clinic;
}
