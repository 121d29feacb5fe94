/** Malformed input that once made the booking (and clinic) services answer 500. */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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
let owner: Awaited<ReturnType<typeof createOwner>>;
let clinic: ClinicFixture;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

beforeAll(async () => {
  p = await startPlatform({ databaseUrl: inject('databaseUrl') });
  owner = await createOwner(p);
  clinic = await createClinic(p);
  await putRules(p, clinic, weeklyRules([1, 2, 3, 4, 5, 6], LUNCH_BREAK));
});
afterAll(async () => {
  await p?.stop();
});

describe('malformed input', () => {
  it('answers 400 for a forged booking cursor (non-UUID id, a year PostgreSQL lacks) instead of 500', async () => {
    for (const c of [
      { s: '2027-01-01T00:00:00.000Z', i: '-'.repeat(36) },
      { s: '-271821-04-20T00:00:00.000Z', i: '0190f5a4-5c3e-7000-8000-000000000001' },
    ]) {
      const res = await p.http.get(`/api/v1/bookings?cursor=${b64(c)}`, { token: owner.accessToken });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_cursor');
    }
  });

  it(
    'answers 400 for the year 0000 (no such year in PostgreSQL: ' +
      'the list made a 500) and other years outside 1970-9999',
    async () => {
      const list = await p.http.get('/api/v1/bookings?from=0000-01-01', { token: owner.accessToken });
      expect(list.status).toBe(400);
      expect(list.body.errors[0].field).toBe('query.from');
      // Before 1924 Jakarta ran on local mean time (+07:07:12), which came out as the offset "+07:7.199999999999989".
      const slots = await p.http.get(
        `/api/v1/availability?clinicId=${clinic.id}&serviceId=${clinic.services[0]!.id}&from=1900-01-01&to=1900-01-02`,
      );
      expect(slots.status).toBe(400);
      const a = await adminOf(p);
      const block = await p.http.post(
        `/api/v1/schedules/${clinic.id}/blocks`,
        { start: '0000-01-01T00:00:00Z', end: '0000-01-02T00:00:00Z', reason: 'x' },
        { token: a.accessToken },
      );
      expect(block.status).toBe(400);
    },
  );

  it('answers 400 for a NUL character in booking notes or a clinic search filter instead of 500', async () => {
    const day = mondayAhead(clinic.timeZone);
    const res = await p.http.post(
      '/api/v1/bookings',
      {
        clinicId: clinic.id,
        serviceId: clinic.services[0]!.id,
        petIds: [owner.petId],
        start: localIso(day, '09:00', clinic.timeZone),
        notes: 'a\u0000',
      },
      { token: owner.accessToken },
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ field: 'notes', code: 'invalid_character' });
    const search = await p.http.get('/api/v1/clinics?city=%00abc');
    expect(search.status).toBe(400);
  });
});
