import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ServiceCredentials, SERVICE_TOKEN_HEADER } from '@petpro/kit';
import { startPlatform, TEST_SECRET, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser, type TestUser } from '../../../test/users.ts';

let p: Platform;
let u: TestUser;

beforeAll(async () => {
  p = await startPlatform({ databaseUrl: inject('databaseUrl'), services: ['auth', 'user'] });
  u = await createVerifiedUser(p);
});
afterAll(async () => {
  await p?.stop();
});

const defaults = {
  notifications: {
    email: { bookingUpdates: true, bookingReminders: true, healthReminders: true, promotions: false },
    sms: { bookingUpdates: false, bookingReminders: false, healthReminders: false, promotions: false },
    push: { bookingUpdates: true, bookingReminders: true, healthReminders: true, promotions: false },
    inApp: { bookingUpdates: true, bookingReminders: true, healthReminders: true, promotions: true },
    reminderOffsetsMinutes: [1440, 120],
    careReminderOffsetsDays: [14, 1],
  },
  language: 'id',
  timeZone: 'Asia/Jakarta',
  display: { theme: 'system', timeFormat: '24h', units: 'metric' },
};

describe('preferences', () => {
  it('start from the defaults (Bahasa Indonesia, 24h, reminders a day and two hours before)', async () => {
    const res = await p.http.get('/api/v1/users/me/preferences', { token: u.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(defaults);
  });

  it('round-trip: what is PUT is what is read back', async () => {
    const wanted = {
      notifications: {
        email: { bookingUpdates: false, bookingReminders: true, healthReminders: false, promotions: true },
        sms: { bookingUpdates: true, bookingReminders: true, healthReminders: false, promotions: false },
        push: { bookingUpdates: false, bookingReminders: false, healthReminders: false, promotions: false },
        inApp: { bookingUpdates: true, bookingReminders: false, healthReminders: true, promotions: false },
        reminderOffsetsMinutes: [2880, 60, 15],
        careReminderOffsetsDays: [30, 7, 1],
      },
      language: 'en',
      timeZone: 'Asia/Makassar',
      display: { theme: 'dark', timeFormat: '12h', units: 'imperial' },
    };
    const put = await p.http.put('/api/v1/users/me/preferences', wanted, { token: u.accessToken });
    expect(put.status).toBe(200);
    expect(put.body).toEqual(wanted);
    expect((await p.http.get('/api/v1/users/me/preferences', { token: u.accessToken })).body).toEqual(wanted);
  });

  it('a partial PUT changes only what it names', async () => {
    const before = (await p.http.get('/api/v1/users/me/preferences', { token: u.accessToken })).body;
    const res = await p.http.put(
      '/api/v1/users/me/preferences',
      { notifications: { sms: { promotions: true } }, display: { theme: 'light' } },
      { token: u.accessToken },
    );
    expect(res.body).toEqual({
      ...before,
      notifications: { ...before.notifications, sms: { ...before.notifications.sms, promotions: true } },
      display: { ...before.display, theme: 'light' },
    });
  });

  it('refuse bad values and unknown fields, naming each', async () => {
    const res = await p.http.put(
      '/api/v1/users/me/preferences',
      {
        language: 'fr',
        display: { theme: 'neon', fontSize: 3 },
        notifications: {
          email: { bookingUpdates: 'yes', newsletter: true },
          whatsapp: {},
          reminderOffsetsMinutes: [1, 1440.5, 30000],
          careReminderOffsetsDays: [0, 91],
        },
      },
      { token: u.accessToken },
    );
    expect(res.status).toBe(400);
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'language',
        'display.theme',
        'notifications.email.bookingUpdates',
        'notifications.reminderOffsetsMinutes.0',
        'notifications.reminderOffsetsMinutes.1',
        'notifications.reminderOffsetsMinutes.2',
        'notifications.careReminderOffsetsDays.0',
        'notifications.careReminderOffsetsDays.1',
      ]),
    );
    const unknown = res.body.errors
      .filter((e: { code: string }) => e.code === 'unrecognized_key')
      .map((e: { field: string }) => e.field);
    expect(unknown.sort()).toEqual(['display.fontSize', 'notifications.email.newsletter', 'notifications.whatsapp']);
  });
});

describe('internal preferences endpoint', () => {
  it('refuses calls without a valid service credential (401)', async () => {
    const url = `${p.services.user!.url}/internal/users/${u.userId}/preferences`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    const forged = await fetch(url, {
      headers: {
        [SERVICE_TOKEN_HEADER]: await new ServiceCredentials(
          'another-secret-that-is-long-enough-0123456789',
          'booking',
        ).token(),
      },
    });
    expect(forged.status).toBe(401);
    // A user's access token is not a service credential.
    const userToken = await fetch(url, { headers: { authorization: `Bearer ${u.accessToken}` } });
    expect(userToken.status).toBe(401);
  });

  it('answers the language and notification settings to a service', async () => {
    const booking = new ServiceCredentials(TEST_SECRET, 'booking');
    const res = await fetch(`${p.services.user!.url}/internal/users/${u.userId}/preferences`, {
      headers: { [SERVICE_TOKEN_HEADER]: await booking.token() },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    const mine = (await p.http.get('/api/v1/users/me/preferences', { token: u.accessToken })).body;
    expect(body).toEqual({ userId: u.userId, ...mine });
    expect(body.language).toBe('en');
  });

  it('gives defaults for a user who never saved preferences', async () => {
    const booking = new ServiceCredentials(TEST_SECRET, 'booking');
    const res = await fetch(`${p.services.user!.url}/internal/users/0190a5e2-0000-7000-8000-000000000001/preferences`, {
      headers: { [SERVICE_TOKEN_HEADER]: await booking.token() },
    });
    expect(await res.json()).toEqual({ userId: '0190a5e2-0000-7000-8000-000000000001', ...defaults });
  });
});

describe('favourites', () => {
  const clinics = [
    '0190a5e2-0000-7000-8000-00000000000a',
    '0190a5e2-0000-7000-8000-00000000000b',
    '0190a5e2-0000-7000-8000-00000000000c',
  ];

  it('are added idempotently, listed newest first with cursor pagination, and removed', async () => {
    const t = { token: u.accessToken };
    for (const id of clinics) {
      const res = await p.http.put(`/api/v1/users/me/favourites/${id}`, undefined, t);
      expect(res.status).toBe(201);
      expect(res.body.clinicId).toBe(id);
      await new Promise((r) => setTimeout(r, 5));
    }
    const again = await p.http.put(`/api/v1/users/me/favourites/${clinics[0]}`, undefined, t);
    expect(again.status).toBe(200);

    const page1 = await p.http.get('/api/v1/users/me/favourites?limit=2', t);
    expect(page1.body.items.map((f: { clinicId: string }) => f.clinicId)).toEqual([clinics[2], clinics[1]]);
    const page2 = await p.http.get(`/api/v1/users/me/favourites?limit=2&cursor=${page1.body.nextCursor}`, t);
    expect(page2.body).toEqual({ items: [{ clinicId: clinics[0], createdAt: expect.any(String) }], nextCursor: null });

    expect((await p.http.delete(`/api/v1/users/me/favourites/${clinics[1]}`, t)).status).toBe(204);
    expect((await p.http.delete(`/api/v1/users/me/favourites/${clinics[1]}`, t)).status).toBe(204);
    const after = await p.http.get('/api/v1/users/me/favourites', t);
    expect(after.body.items.map((f: { clinicId: string }) => f.clinicId)).toEqual([clinics[2], clinics[0]]);
  });

  it('are per user', async () => {
    const other = await createVerifiedUser(p);
    expect((await p.http.get('/api/v1/users/me/favourites', { token: other.accessToken })).body).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('refuse a clinic ID that is not a UUID and a foreign cursor', async () => {
    const bad = await p.http.put('/api/v1/users/me/favourites/not-a-clinic', undefined, { token: u.accessToken });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('params.clinicId');
    const cursor = await p.http.get('/api/v1/users/me/favourites?cursor=WyJ4Il0', { token: u.accessToken });
    expect(cursor.body.errors[0].field).toBe('query.cursor');
  });
});
