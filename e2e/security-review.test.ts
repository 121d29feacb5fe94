/**
 * Issue 11, the security review, closed item by item (11.1 to 11.12): each block reproduces one
 * attack the review found, through the real gateway (or straight at a service's port where that is
 * the attack), and asserts the refusal. Blocks 11.1, 11.2, 11.4, 11.5, 11.8 and 11.12 share the
 * platform started below; the others start their own with the settings they need.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import express from 'express';
import { SignJWT } from 'jose';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ClientClosedRequestError,
  MemoryRegistry,
  ServiceCredentials,
  clientGoneSignal,
  closeServer,
  createDatabase,
  deriveServiceKey,
  encodeCursor,
  listen,
  startService,
  toAppError,
} from '@petpro/kit';
import { createTestDatabase, eventually, httpClient } from '@petpro/kit/testing';
import { definition as authService } from '../services/auth/src/app.ts';
import { TEST_SECRET, startPlatform, type Platform } from '../test/platform.ts';
import { runScript } from '../test/process.ts';
import {
  createVendor,
  createVerifiedUser,
  login,
  loginAdmin,
  relogin,
  setRoles,
  type TestUser,
} from '../test/users.ts';
import { invitationToken, linkStaffAccount } from '../test/staff.ts';
import { PDF, form, png, upload } from '../test/media.ts';
import { serviceDb } from '../test/databases.ts';
import {
  LUNCH_BREAK,
  createClinic,
  createOwner,
  localIso,
  mondayAhead,
  putRules,
  weeklyRules,
} from '../services/booking/test/helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
/** Small enough for tests to cross (the defaults are 40 MP and 30 uploads an hour). */
const IMAGE_MAX_PIXELS = 1_000_000;
const UPLOADS_PER_HOUR = 4;

let p: Platform;
let admin: TestUser;

beforeAll(async () => {
  p = await startPlatform({
    databaseUrl: inject('databaseUrl'),
    env: { IMAGE_MAX_PIXELS: String(IMAGE_MAX_PIXELS), UPLOADS_PER_HOUR: String(UPLOADS_PER_HOUR) },
  });
  admin = await loginAdmin(p);
});
afterAll(async () => {
  await p?.stop();
});

// Helpers ------------------------------------------------------------------------------------------

function expectStatus(res: { status: number; text: string }, status: number): void {
  expect(res.status, res.text).toBe(status);
}

interface Clinic {
  id: string;
  vendor: TestUser;
  serviceId: string;
  staffId: string;
}

/** A published clinic of a fresh vendor, open every day, with one service and one vet qualified for it. */
async function createOwnedClinic(): Promise<Clinic> {
  const vendor = await createVendor(p, { admin });
  const token = vendor.accessToken;
  const c = await p.http.post(
    '/api/v1/clinics',
    {
      name: `Klinik ${Math.random().toString(36).slice(2, 8)}`,
      address: 'Jl. Kemang Raya 1',
      city: 'Jakarta',
      location: { lat: -6.26, lng: 106.81 },
      published: true,
    },
    { token },
  );
  expectStatus(c, 201);
  const id = c.body.id as string;
  const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start: '08:00', end: '17:00' }] }));
  expectStatus(await p.http.put(`/api/v1/clinics/${id}/hours`, { weekly, closures: [] }, { token }), 200);
  const s = await p.http.post(
    `/api/v1/clinics/${id}/services`,
    { name: 'Konsultasi', category: 'consultation', price: { amount: 150_000 }, durationMinutes: 30 },
    { token },
  );
  expectStatus(s, 201);
  const st = await p.http.post(
    `/api/v1/clinics/${id}/staff`,
    { name: 'drh. Ayu', role: 'vet', serviceIds: [s.body.id] },
    { token },
  );
  expectStatus(st, 201);
  const rules = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '17:00' }));
  expectStatus(await p.http.put(`/api/v1/schedules/${id}/rules`, { rules }, { token }), 200);
  return { id, vendor, serviceId: s.body.id, staffId: st.body.id };
}

/** A booking of a pet owner at the clinic, a few days ahead at 10:00 Jakarta time. */
async function createBooking(clinic: Clinic): Promise<{ owner: TestUser; bookingId: string }> {
  const owner = await createVerifiedUser(p, { name: 'Pemilik' });
  const pet = await p.http.post('/api/v1/pets', { name: 'Milo', species: 'dog' }, { token: owner.accessToken });
  expectStatus(pet, 201);
  const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  const b = await p.http.post(
    '/api/v1/bookings',
    { clinicId: clinic.id, serviceId: clinic.serviceId, petIds: [pet.body.id], start: `${day}T10:00:00+07:00` },
    { token: owner.accessToken },
  );
  expectStatus(b, 201);
  return { owner, bookingId: b.body.id };
}

/** Polls a request until it answers `status`; returns how long that took. */
async function msUntilStatus(request: () => Promise<{ status: number }>, status: number, limitMs: number) {
  const started = Date.now();
  for (;;) {
    const res = await request();
    const elapsed = Date.now() - started;
    if (res.status === status) return elapsed;
    if (elapsed > limitMs) throw new Error(`still ${res.status} after ${elapsed} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Uploads a PNG as multipart (PUT for the avatar, POST elsewhere). */
const uploadPng = (urlPath: string, token: string, bytes: Buffer, fields: Record<string, string> = {}) =>
  upload(
    p,
    urlPath.endsWith('/avatar') ? 'PUT' : 'POST',
    urlPath,
    token,
    form(bytes, 'photo.png', 'image/png', fields),
  );

// 11.1 ---------------------------------------------------------------------------------------------

describe('11.1 cross-clinic writes', () => {
  it("removing another clinic's service through one's own clinic URL is a 404 and changes nothing", async () => {
    const victim = await createOwnedClinic();
    const attacker = await createOwnedClinic();
    const before = await p.http.get(`/api/v1/clinics/${victim.id}/services/${victim.serviceId}`);
    expect(before.body.qualifiedStaffIds).toEqual([victim.staffId]);

    // Service ids of published clinics are public; the attacker names one under their own clinic.
    const del = await p.http.delete(`/api/v1/clinics/${attacker.id}/services/${victim.serviceId}`, {
      token: attacker.vendor.accessToken,
    });
    expectStatus(del, 404);
    expect(del.body.code).toBe('service_not_found');

    const after = await p.http.get(`/api/v1/clinics/${victim.id}/services/${victim.serviceId}`);
    expectStatus(after, 200);
    expect(after.body.qualifiedStaffIds).toEqual([victim.staffId]);
    const staff = await p.http.get(`/api/v1/clinics/${victim.id}/staff/${victim.staffId}`, {
      token: victim.vendor.accessToken,
    });
    expect(staff.body.serviceIds).toEqual([victim.serviceId]);
  });

  it(
    "a staff member cannot be qualified for another clinic's service, " + 'even by a write that skips the checks',
    async () => {
      const a = await createOwnedClinic();
      const b = await createOwnedClinic();
      // Straight at the clinic database, as a repository bug would: the composite keys refuse it.
      await expect(
        serviceDb(p, 'clinic', 'insert into staff_services (clinic_id, staff_id, service_id) values ($1, $2, $3)', [
          a.id,
          a.staffId,
          b.serviceId,
        ]),
      ).rejects.toThrow(/foreign key/);
    },
  );
});

// 11.2 ---------------------------------------------------------------------------------------------

describe('11.2 search denial of service', () => {
  /** Counts the clinic service's database round trips (connection check-outs) while `fn` runs. */
  async function countQueries<T>(fn: () => Promise<T>): Promise<{ result: T; queries: number }> {
    const pool = p.services.clinic!.ctx.database.pool;
    let queries = 0;
    const onAcquire = () => queries++;
    pool.on('acquire', onAcquire);
    try {
      return { result: await fn(), queries };
    } finally {
      pool.off('acquire', onAcquire);
    }
  }

  it('a forged near cursor with a huge negative distance is a 400 without a query', async () => {
    const forged = encodeCursor({ d: -1e300, id: '00000000-0000-7000-8000-000000000000' });
    const { result, queries } = await countQueries(() =>
      p.http.get(`/api/v1/clinics?near=-6.2,106.8&radiusKm=500&cursor=${forged}`),
    );
    expectStatus(result, 400);
    expect(result.body.code).toBe('invalid_cursor');
    expect(queries).toBe(0);
  });

  it('a real deep page of a 500 km search costs a bounded number of queries', async () => {
    await createOwnedClinic();
    await createOwnedClinic();
    const first = await p.http.get('/api/v1/clinics?near=-6.2,106.8&radiusKm=500&limit=1');
    expectStatus(first, 200);
    expect(first.body.nextCursor).toBeTruthy();
    // The far end of the radius: every ring but the last is empty, so this is the worst real case.
    const deep = encodeCursor({ d: 499.999, id: '00000000-0000-7000-8000-000000000000' });
    for (const cursor of [first.body.nextCursor as string, deep]) {
      const { result, queries } = await countQueries(() =>
        p.http.get(`/api/v1/clinics?near=-6.2,106.8&radiusKm=500&limit=1&cursor=${cursor}`),
      );
      expectStatus(result, 200);
      expect(queries).toBeLessThanOrEqual(7); // at most 6 rings and the photos
    }
  });

  it('a search stops working for a client that has gone (the request signal aborts on close)', async () => {
    const app = express();
    let reason: unknown;
    app.get('/slow', async (_req, res) => {
      const signal = clientGoneSignal(res);
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      reason = signal.reason;
    });
    const { server, port } = await listen(app, 0, '127.0.0.1');
    try {
      const client = new AbortController();
      const pending = fetch(`http://127.0.0.1:${port}/slow`, { signal: client.signal }).catch(() => undefined);
      setTimeout(() => client.abort(), 100);
      await pending;
      await eventually(() => reason instanceof ClientClosedRequestError, 3_000);
    } finally {
      await closeServer(server, 500);
    }
  });

  it('a statement past DATABASE_STATEMENT_TIMEOUT_MS is stopped by PostgreSQL and answered 503', async () => {
    const url = await createTestDatabase(inject('databaseUrl'), 'timeout');
    const database = createDatabase(url, { statementTimeoutMs: 200 });
    try {
      const started = Date.now();
      const err = await database.pool.query('select pg_sleep(5)').catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(3_000);
      const problem = toAppError(err);
      expect(problem.status).toBe(503);
      expect(problem.code).toBe('database_timeout');
    } finally {
      await database.close();
    }
  });

  it('every service pool carries the statement timeout', async () => {
    for (const key of ['auth', 'user', 'clinic', 'booking'] as const) {
      const r = await p.services[key]!.ctx.database.pool.query('show statement_timeout');
      expect(r.rows[0].statement_timeout, key).toBe('5s');
    }
  });
});

// 11.4 ---------------------------------------------------------------------------------------------

describe('11.3 bootstrap admin takeover', () => {
  let p: Platform;
  beforeAll(async () => {
    p = await startPlatform({ databaseUrl: inject('databaseUrl'), services: ['auth'] });
  });
  afterAll(async () => {
    await p?.stop();
  });

  /** Starts the auth service again (same database) with PETPRO_ADMIN_EMAIL set, as a restart of the platform would. */
  async function restartAuthWithAdmin(email: string, password: string): Promise<void> {
    const auth = await startService(authService, {
      env: { ...p.env, PETPRO_ADMIN_EMAIL: email, PETPRO_ADMIN_PASSWORD: password },
      registry: p.registry,
      noSignals: true,
    });
    await auth.stop();
  }

  it(
    'an unverified squatter of the admin address loses it (its password no longer logs in, ' +
      'the configured one does); a verified owner keeps theirs',
    async () => {
      const email = `boss-${Date.now()}@petpro.test`;
      const squatter = 'squatter passphrase 123';
      const reg = await p.http.post('/api/v1/auth/register', { email, password: squatter, name: 'Not the admin' });
      expect(reg.status).toBe(201);
      const configured = 'the configured admin password 1';
      await restartAuthWithAdmin(email, configured);

      const bySquatter = await p.http.post('/api/v1/auth/login', { email, password: squatter });
      expect(bySquatter.status).toBe(401);
      const admin = await login(p, email, configured);
      const me = await p.http.get('/api/v1/auth/me', { token: admin.accessToken });
      expect(me.body.roles).toContain('admin');
      expect(me.body.emailVerified).toBe(true);
      expect(me.body.name).not.toBe('Not the admin');

      // Whereas a verified account at the admin address is promoted and keeps its own password.
      const owner = await createVerifiedUser(p, { name: 'Real Admin' });
      await restartAuthWithAdmin(owner.email, 'some other configured password');
      const again = await login(p, owner.email, owner.password);
      expect((await p.http.get('/api/v1/auth/me', { token: again.accessToken })).body.roles).toContain('admin');
    },
  );
});

describe('11.4 roles that do something', () => {
  it('a vendor whose vendor role an admin withdrew cannot edit schedules or read customers bookings', async () => {
    const clinic = await createOwnedClinic();
    await createBooking(clinic);
    const rules = { rules: [{ weekday: 1, start: '08:00', end: '12:00' }] };
    const vt = clinic.vendor.accessToken;
    expectStatus(await p.http.put(`/api/v1/schedules/${clinic.id}/rules`, rules, { token: vt }), 200);
    expectStatus(await p.http.get(`/api/v1/bookings?role=clinic&clinicId=${clinic.id}`, { token: vt }), 200);

    await setRoles(p, admin, clinic.vendor.userId, ['pet_owner']);
    // A fresh login: the token now carries exactly the roles the vendor still has.
    const again = await relogin(p, clinic.vendor);
    const put = await p.http.put(`/api/v1/schedules/${clinic.id}/rules`, rules, { token: again.accessToken });
    expectStatus(put, 403);
    expect(put.body.detail).toMatch(/schedule:manage:own/);
    const block = await p.http.post(
      `/api/v1/schedules/${clinic.id}/blocks`,
      { start: '2030-01-01T01:00:00Z', end: '2030-01-01T02:00:00Z', reason: 'x' },
      { token: again.accessToken },
    );
    expectStatus(block, 403);
    const list = await p.http.get(`/api/v1/bookings?role=clinic&clinicId=${clinic.id}`, { token: again.accessToken });
    expectStatus(list, 403);
    expect(list.body.detail).toMatch(/booking:read:clinic/);
  });

  it('removing a permission from a role in the role map takes effect', async () => {
    const clinic = await createOwnedClinic();
    const { bookingId } = await createBooking(clinic);
    const vendorRole = await p.http.get('/api/v1/admin/roles', { token: admin.accessToken });
    const original = (vendorRole.body.items as Array<{ name: string; permissions: string[] }>).find(
      (r) => r.name === 'vendor',
    )!.permissions;
    try {
      const reduced = original.filter((x) => x !== 'schedule:manage:own' && x !== 'booking:manage:clinic');
      expectStatus(
        await p.http.patch('/api/v1/admin/roles/vendor', { permissions: reduced }, { token: admin.accessToken }),
        200,
      );
      const again = await relogin(p, clinic.vendor);
      const put = await p.http.put(
        `/api/v1/schedules/${clinic.id}/policy`,
        { minNoticeMinutes: 0 },
        { token: again.accessToken },
      );
      expectStatus(put, 403);
      const confirm = await p.http.post(`/api/v1/bookings/${bookingId}/confirm`, undefined, {
        token: again.accessToken,
      });
      expectStatus(confirm, 403);
      expect(confirm.body.detail).toMatch(/booking:manage:clinic/);
      // What the role still grants still works.
      const read = await p.http.get(`/api/v1/bookings/${bookingId}`, { token: again.accessToken });
      expectStatus(read, 200);
    } finally {
      expectStatus(
        await p.http.patch('/api/v1/admin/roles/vendor', { permissions: original }, { token: admin.accessToken }),
        200,
      );
    }
  });

  it('the user service checks pet:* and profile:* (a user without pet_owner has no pets or profile)', async () => {
    const user = await createVerifiedUser(p);
    await setRoles(p, admin, user.userId, []);
    const again = await relogin(p, user);
    const pet = await p.http.post('/api/v1/pets', { name: 'Milo', species: 'dog' }, { token: again.accessToken });
    expectStatus(pet, 403);
    expect(pet.body.detail).toMatch(/pet:write:own/);
    expectStatus(await p.http.get('/api/v1/pets', { token: again.accessToken }), 403);
    expectStatus(await p.http.patch('/api/v1/users/me', { city: 'Bogor' }, { token: again.accessToken }), 403);
  });
});

// 11.5 ---------------------------------------------------------------------------------------------

describe('11.5 role changes take effect at once', () => {
  it("reducing a user's roles refuses their tokens at the gateway within 3 s", async () => {
    const clinic = await createOwnedClinic();
    const token = clinic.vendor.accessToken;
    const read = () => p.http.get(`/api/v1/schedules/${clinic.id}/rules`, { token });
    expectStatus(await read(), 200);
    await setRoles(p, admin, clinic.vendor.userId, ['pet_owner']);
    expect(await msUntilStatus(read, 401, 3_000)).toBeLessThanOrEqual(3_000);
    // Adding a role takes nothing away: no sessions are revoked for it.
    const other = await createVerifiedUser(p);
    await setRoles(p, admin, other.userId, ['pet_owner', 'vendor']);
    await new Promise((r) => setTimeout(r, 2_500));
    expectStatus(await p.http.get('/api/v1/auth/me', { token: other.accessToken }), 200);
  });

  it("reducing a role's permissions refuses its holders' tokens within 3 s", async () => {
    const created = await p.http.post(
      '/api/v1/admin/roles',
      { name: 'auditor_r5', permissions: ['admin:audit', 'clinic:read'] },
      { token: admin.accessToken },
    );
    expectStatus(created, 201);
    const user = await createVerifiedUser(p);
    await setRoles(p, admin, user.userId, ['pet_owner', 'auditor_r5']);
    const holder = await relogin(p, user);
    const bystander = await createVerifiedUser(p);
    const me = () => p.http.get('/api/v1/auth/me', { token: holder.accessToken });
    expect((await me()).body.permissions).toContain('admin:audit');
    expectStatus(
      await p.http.patch(
        '/api/v1/admin/roles/auditor_r5',
        { permissions: ['clinic:read'] },
        { token: admin.accessToken },
      ),
      200,
    );
    expect(await msUntilStatus(me, 401, 3_000)).toBeLessThanOrEqual(3_000);
    expectStatus(await p.http.get('/api/v1/auth/me', { token: bystander.accessToken }), 200);
    // Logged in again, the holder has what the role gives now.
    const again = await relogin(p, user);
    expect((await p.http.get('/api/v1/auth/me', { token: again.accessToken })).body.permissions).not.toContain(
      'admin:audit',
    );
  });

  it("deleting a role refuses its holders' tokens within 3 s", async () => {
    expectStatus(
      await p.http.post(
        '/api/v1/admin/roles',
        { name: 'reviewer_r5', permissions: ['onboarding:review'] },
        { token: admin.accessToken },
      ),
      201,
    );
    const user = await createVerifiedUser(p);
    await setRoles(p, admin, user.userId, ['pet_owner', 'reviewer_r5']);
    const holder = await relogin(p, user);
    const me = () => p.http.get('/api/v1/auth/me', { token: holder.accessToken });
    expect((await me()).body.roles).toContain('reviewer_r5');
    expectStatus(await p.http.delete('/api/v1/admin/roles/reviewer_r5', { token: admin.accessToken }), 204);
    expect(await msUntilStatus(me, 401, 3_000)).toBeLessThanOrEqual(3_000);
  });
});

// 11.8 ---------------------------------------------------------------------------------------------

describe('11.6 mail abuse', () => {
  const PER_ADDRESS = 3;
  const PER_ACCOUNT = 4;
  const COOLDOWN_SECONDS = 2;
  let p: Platform;
  beforeAll(async () => {
    p = await startPlatform({
      databaseUrl: inject('databaseUrl'),
      services: ['auth', 'clinic'],
      env: {
        MAIL_PER_ADDRESS_PER_HOUR: String(PER_ADDRESS),
        MAIL_PER_ACCOUNT_PER_HOUR: String(PER_ACCOUNT),
        CLINIC_CONTACT_CODE_RESEND_SECONDS: String(COOLDOWN_SECONDS),
      },
    });
  });
  afterAll(async () => {
    await p?.stop();
  });

  const mailsTo = (email: string) => p.smtp.mails.filter((m) => m.to.includes(email));
  const address = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}@example.test`;
  const contact = (email: string) => ({ contactName: 'Dewi Lestari', email, phone: '+62 812 3456 7890' });

  /** A fresh applicant with a draft application. */
  async function applicant(): Promise<{ token: string; id: string }> {
    const user = await createVerifiedUser(p);
    const start = await p.http.post('/api/v1/vendor/onboarding', undefined, { token: user.accessToken });
    expect(start.status, start.text).toBe(201);
    return { token: user.accessToken, id: start.body.id };
  }
  const saveContact = (a: { token: string; id: string }, body: Record<string, unknown>) =>
    p.http.put(`/api/v1/vendor/onboarding/${a.id}/steps/contact`, body, { token: a.token });

  it(
    're-saving the contact step mails no new code while one is live; ' + 'a new address within the cooldown is 429',
    async () => {
      const a = await applicant();
      const first = address('contact');
      expect((await saveContact(a, contact(first))).status).toBe(200);
      for (let i = 0; i < 3; i++) expect((await saveContact(a, contact(first))).status).toBe(200);
      await sleep(300);
      expect(mailsTo(first)).toHaveLength(1);
      // The resend cooldown applies to saves that would mail a code.
      const second = address('contact');
      const tooSoon = await saveContact(a, contact(second));
      expect(tooSoon.status).toBe(429);
      expect(tooSoon.body.code).toBe('resend_too_soon');
      expect(Number(tooSoon.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(mailsTo(second)).toHaveLength(0);
      const app = await p.http.get('/api/v1/vendor/onboarding', { token: a.token });
      expect(app.body.steps.contact.email).toBe(first);
    },
  );

  it('caps contact codes per address across accounts, with 429 mail_limit_reached', async () => {
    const victim = address('victim');
    for (let i = 0; i < PER_ADDRESS; i++)
      expect((await saveContact(await applicant(), contact(victim))).status).toBe(200);
    const over = await saveContact(await applicant(), contact(victim));
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('mail_limit_reached');
    await sleep(300);
    expect(mailsTo(victim)).toHaveLength(PER_ADDRESS);
  });

  it('caps contact codes per account across addresses', async () => {
    const a = await applicant();
    for (let i = 0; i < PER_ACCOUNT; i++) {
      if (i) await sleep(COOLDOWN_SECONDS * 1000 + 100);
      const r = await saveContact(a, contact(address(`spray${i}`)));
      expect(r.status, r.text).toBe(200);
    }
    await sleep(COOLDOWN_SECONDS * 1000 + 100);
    const over = await saveContact(a, contact(address('spray-over')));
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('mail_limit_reached');
    const resend = await p.http.post(`/api/v1/vendor/onboarding/${a.id}/verify-contact/resend`, undefined, {
      token: a.token,
    });
    expect(resend.status).toBe(429);
    expect(resend.body.code).toBe('mail_limit_reached');
  });

  it('keeps names the applicant wrote out of the code mail', async () => {
    const a = await applicant();
    const business = {
      legalName: 'Hadiah besar di www.evil.example',
      businessType: 'grooming',
      taxId: '01.234.567.8-901.000',
      licenceNumber: 'SIP/123/2026',
    };
    expect(
      (await p.http.put(`/api/v1/vendor/onboarding/${a.id}/steps/business`, business, { token: a.token })).status,
    ).toBe(200);
    const to = address('named');
    const r = await saveContact(a, { ...contact(to), contactName: 'Klik http://evil.example/hadiah' });
    expect(r.status).toBe(200);
    const mail = await p.smtp.waitFor(to);
    for (const part of [mail.subject, mail.text, mail.html])
      expect(part).not.toMatch(/evil\.example|Hadiah besar|Klik/);
  });

  it(
    'registering an existing address mails its owner at most MAIL_PER_ADDRESS_PER_HOUR times, ' + 'answering 201 alike',
    async () => {
      const owner = await createVerifiedUser(p);
      const answers = [];
      for (let i = 0; i < PER_ADDRESS + 3; i++)
        answers.push(
          await p.http.post('/api/v1/auth/register', {
            email: owner.email,
            password: `long passphrase ${i}`,
            name: 'X',
          }),
        );
      const fresh = await p.http.post('/api/v1/auth/register', {
        email: address('fresh'),
        password: 'long passphrase fresh',
        name: 'X',
      });
      for (const a of answers) {
        expect(a.status).toBe(201);
        expect(Object.keys(a.body).sort()).toEqual(Object.keys(fresh.body).sort());
      }
      const notices = () => mailsTo(owner.email).filter((m) => /mencoba mendaftar|tried to register/i.test(m.subject));
      await eventually(() => notices().length >= PER_ADDRESS);
      await sleep(1_000);
      expect(notices()).toHaveLength(PER_ADDRESS);
    },
  );

  it('keeps the name a self-service sign-up typed out of the verification mail', async () => {
    const email = address('signup');
    const r = await p.http.post('/api/v1/auth/register', {
      email,
      password: 'long passphrase signup',
      name: 'Menang undian, buka http://evil.example',
    });
    expect(r.status).toBe(201);
    const mail = await p.smtp.waitFor(email);
    for (const part of [mail.subject, mail.text, mail.html]) expect(part).not.toMatch(/evil\.example|undian/);
  });
});

describe('11.7 lockout race and IPv6 clients of the auth service', () => {
  const LOCK_AFTER = 5;
  let p: Platform;
  beforeAll(async () => {
    p = await startPlatform({
      databaseUrl: inject('databaseUrl'),
      services: ['auth'],
      env: {
        LOGIN_LOCK_AFTER_FAILURES: String(LOCK_AFTER),
        // The auth service's own per-IP limits as shipped, and the test runner as a trusted proxy so that
        // the gateway forwards the client addresses this test names.
        AUTH_IP_LIMIT_FACTOR: '1',
        TRUST_PROXY: '127.0.0.1/32',
      },
    });
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('20 parallel wrong passwords get at most LOGIN_LOCK_AFTER_FAILURES 401s, then 429 account_locked', async () => {
    const u = await createVerifiedUser(p);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        p.http.post('/api/v1/auth/login', { email: u.email, password: `wrong password ${i}` }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(LOCK_AFTER);
    expect(statuses.filter((s) => s === 401 || s === 429).length).toBe(20);
    expect(answers.find((a) => a.status === 429)!.body.code).toBe('account_locked');
    // The lock holds for the right password too.
    expect((await p.http.post('/api/v1/auth/login', { email: u.email, password: u.password })).status).toBe(429);
  });

  it('counts two IPv6 addresses of one /64 as one client in its own per-IP limits', async () => {
    // `forgot` allows 10 requests per IP in 5 minutes (AUTH_IP_LIMIT_FACTOR=1); each uses a fresh address
    // so that the per-account limit stays out of the way.
    const forgot = (ip: string, i: number) =>
      p.http.post(
        '/api/v1/auth/password/forgot',
        { email: `nobody-${i}-${Date.now()}@example.test` },
        { headers: { 'x-forwarded-for': ip } },
      );
    for (let i = 0; i < 10; i++) expect((await forgot(`2001:db8:7:1::${i + 1}`, i)).status).toBe(202);
    // Another address in the same /64: the same client.
    const sameNet = await forgot('2001:db8:7:1:ffff:ffff:ffff:fffe', 10);
    expect(sameNet.status).toBe(429);
    expect(sameNet.body.code).toBe('too_many_attempts');
    // The next /64 is someone else.
    expect((await forgot('2001:db8:7:2::1', 11)).status).toBe(202);
  });
});

describe('11.8 trust between services', () => {
  /** Calls a service's internal endpoint straight at its port with a service credential. */
  async function internal(service: 'auth' | 'clinic', method: string, urlPath: string, token: string) {
    const res = await fetch(new URL(urlPath, p.services[service]!.url), {
      method,
      headers: { 'x-service-token': token },
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
  }

  it('a credential of the clinic service grants only vendor and clinic_staff; nobody grants admin', async () => {
    const user = await createVerifiedUser(p);
    const clinicToken = await new ServiceCredentials(TEST_SECRET, 'clinic').token();
    const grant = (role: string, token = clinicToken) =>
      internal('auth', 'PUT', `/internal/users/${user.userId}/roles/${role}`, token);
    const refused = await grant('admin');
    expectStatus(refused, 403);
    expect(refused.body.code).toBe('role_not_allowed');
    expectStatus(await grant('vendor'), 204);
    for (const caller of ['booking', 'user', 'gateway'] as const) {
      const token = await new ServiceCredentials(TEST_SECRET, caller).token();
      expectStatus(await grant('admin', token), 403);
      expectStatus(await grant('clinic_staff', token), 403);
    }
    const me = await (await relogin(p, user)).accessToken;
    const roles = (await p.http.get('/api/v1/auth/me', { token: me })).body.roles as string[];
    expect(roles).toContain('vendor');
    expect(roles).not.toContain('admin');
  });

  it("a token signed with the clinic service's derived key but claiming to be booking is refused", async () => {
    const clinic = await createOwnedClinic();
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('petpro-service')
      .setAudience('petpro-internal')
      .setSubject('booking')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(deriveServiceKey(TEST_SECRET, 'clinic'));
    const res = await internal('clinic', 'GET', `/internal/clinics/${clinic.id}`, forged);
    expectStatus(res, 401);
    expect(res.body.code).toBe('invalid_service_credential');
    // The real booking credential is accepted; the clinic's own is not allowed on this route.
    const booking = await new ServiceCredentials(TEST_SECRET, 'booking').token();
    expectStatus(await internal('clinic', 'GET', `/internal/clinics/${clinic.id}`, booking), 200);
    const own = await new ServiceCredentials(TEST_SECRET, 'clinic').token();
    expectStatus(await internal('clinic', 'GET', `/internal/clinics/${clinic.id}`, own), 403);
  });

  it('start-up with a placeholder SERVICE_SECRET or JWT_KEY_SECRET stops with a clear message', {
    timeout: 120_000,
  }, async () => {
    const dbUrl = await createTestDatabase(inject('databaseUrl'), 'placeholder');
    for (const secret of ['change-me-to-32-or-more-random-characters', 'changeme-changeme-changeme-changeme']) {
      const r = await runScript('services/user/src/main.ts', {
        DATABASE_URL: dbUrl,
        SERVICE_SECRET: secret,
        PORT: '0',
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^Configuration error: SERVICE_SECRET is a placeholder/);
      expect(r.stderr).not.toContain(secret);
    }
    const jwt = await runScript('services/auth/src/main.ts', {
      AUTH_DATABASE_URL: dbUrl,
      SERVICE_SECRET: TEST_SECRET,
      JWT_KEY_SECRET: 'change-me-to-another-32-or-more-random-chars',
      PORT: '0',
      REGISTRY_URL: 'http://127.0.0.1:1',
    });
    expect(jwt.code).toBe(2);
    expect(jwt.stderr).toMatch(/JWT_KEY_SECRET is a placeholder/);
  });

  it('the deployment files carry no literal secret values', async () => {
    const { readFile } = await import('node:fs/promises');
    const k8s = await readFile(path.join(ROOT, 'deploy/k8s/petpro.yaml'), 'utf8');
    expect(k8s).not.toMatch(/SERVICE_SECRET:\s*\S/);
    expect(k8s).not.toMatch(/JWT_KEY_SECRET:\s*\S/);
    const compose = await readFile(path.join(ROOT, 'deploy/compose.yaml'), 'utf8');
    for (const m of compose.matchAll(/(SERVICE_SECRET|JWT_KEY_SECRET):\s*(.+)/g)) expect(m[2]).toMatch(/^"?\$\{\w+:\?/);
  });
});

// 11.12 --------------------------------------------------------------------------------------------

describe('11.9 staff linking by invitation', () => {
  let p: Platform;
  let admin: TestUser;
  beforeAll(async () => {
    p = await startPlatform({ databaseUrl: inject('databaseUrl'), services: ['auth', 'clinic'] });
    admin = await loginAdmin(p);
  });
  afterAll(async () => {
    await p?.stop();
  });

  const setRoles = async (u: TestUser, roles: string[]) =>
    expect(
      (await p.http.put(`/api/v1/admin/users/${u.userId}/roles`, { roles }, { token: admin.accessToken })).status,
    ).toBe(200);
  const rolesOf = async (u: TestUser) =>
    ((await p.http.get('/api/v1/auth/me', { token: (await relogin(p, u)).accessToken })).body.roles as string[]) ?? [];

  /** A vendor with a published clinic and one unlinked staff entry per name. */
  async function clinicWithStaff(...names: string[]) {
    const vendor = await createVerifiedUser(p, { name: 'Vendor' });
    await setRoles(vendor, ['pet_owner', 'vendor']);
    const v = await relogin(p, vendor);
    const c = await p.http.post(
      '/api/v1/clinics',
      {
        name: 'Klinik Undangan',
        address: 'Jl. Merdeka 1',
        city: 'Bandung',
        location: { lat: -6.9, lng: 107.6 },
        published: true,
      },
      { token: v.accessToken },
    );
    expect(c.status, c.text).toBe(201);
    const staffIds: string[] = [];
    for (const name of names) {
      const s = await p.http.post(
        `/api/v1/clinics/${c.body.id}/staff`,
        { name, role: 'vet', serviceIds: [] },
        { token: v.accessToken },
      );
      expect(s.status, s.text).toBe(201);
      staffIds.push(s.body.id);
    }
    return { vendor: v, clinicId: c.body.id as string, staffIds };
  }

  it(
    'a vendor can no longer attach a user id (existing or not), ' + 'so no one gets clinic_staff without consent',
    async () => {
      const { vendor, clinicId, staffIds } = await clinicWithStaff('drh. Ayu');
      const victim = await createVerifiedUser(p);
      const post = (userId: string) =>
        p.http.post(
          `/api/v1/clinics/${clinicId}/staff`,
          { name: 'X', role: 'vet', serviceIds: [], userId },
          { token: vendor.accessToken },
        );
      const real = await post(victim.userId);
      const ghost = await post(randomUUID());
      expect(real.status).toBe(400);
      expect(real.body.code).toBe('invitation_required');
      expect({ ...ghost.body, requestId: undefined }).toEqual({ ...real.body, requestId: undefined });
      const patch = await p.http.patch(
        `/api/v1/clinics/${clinicId}/staff/${staffIds[0]}`,
        { userId: victim.userId },
        { token: vendor.accessToken },
      );
      expect(patch.status).toBe(400);
      expect(patch.body.code).toBe('invitation_required');
      expect(await rolesOf(victim)).not.toContain('clinic_staff');
    },
  );

  it(
    'an invitation answers alike for any address, ' + 'and only the invited verified account can accept it, once',
    async () => {
      const { vendor, clinicId, staffIds } = await clinicWithStaff('drh. Ayu', 'drh. Budi');
      const invitee = await createVerifiedUser(p);
      const nobody = `nobody-${randomUUID()}@example.test`;
      const invite = (staffId: string, email: string) =>
        p.http.post(
          `/api/v1/clinics/${clinicId}/staff/${staffId}/invitation`,
          { email },
          { token: vendor.accessToken },
        );
      const known = await invite(staffIds[0]!, invitee.email);
      const unknown = await invite(staffIds[1]!, nobody);
      expect(known.status).toBe(202);
      expect(unknown.status).toBe(202);
      expect(Object.keys(known.body).sort()).toEqual(Object.keys(unknown.body).sort());
      await p.smtp.waitFor(nobody);
      const token = invitationToken((await p.smtp.waitFor(invitee.email, (m) => /undang/i.test(m.subject))).text);

      expect((await p.http.post(`/api/v1/staff-invitations/${token}/accept`)).status).toBe(401);
      const stranger = await createVerifiedUser(p);
      const wrong = await p.http.post(`/api/v1/staff-invitations/${token}/accept`, undefined, {
        token: stranger.accessToken,
      });
      expect(wrong.status).toBe(403);
      expect(wrong.body.code).toBe('invitation_email_mismatch');
      const ok = await p.http.post(`/api/v1/staff-invitations/${token}/accept`, undefined, {
        token: invitee.accessToken,
      });
      expect(ok.status, ok.text).toBe(200);
      expect(ok.body).toMatchObject({ id: staffIds[0], clinicId, userId: invitee.userId });
      expect(await rolesOf(invitee)).toContain('clinic_staff');
      const again = await p.http.post(`/api/v1/staff-invitations/${token}/accept`, undefined, {
        token: invitee.accessToken,
      });
      expect(again.status).toBe(404);
      expect(again.body.code).toBe('invitation_not_found');
      // Only the stored hash exists; the token is nowhere in the database.
      const rows = await serviceDb(p, 'clinic', 'select token_hash from staff_invitations where staff_id = $1', [
        staffIds[0],
      ]);
      expect(rows.map((r) => r.token_hash)).not.toContain(token);
    },
  );

  it(
    'unlinking never removes an admin-granted clinic_staff, ' + 'and removes a linking grant only with the last link',
    async () => {
      const one = await clinicWithStaff('drh. Ayu');
      const two = await clinicWithStaff('drh. Ayu');
      const byAdmin = await createVerifiedUser(p);
      await setRoles(byAdmin, ['pet_owner', 'clinic_staff']);
      const linked = await createVerifiedUser(p);
      await linkStaffAccount(p, one.vendor.accessToken, one.clinicId, one.staffIds[0]!, byAdmin);
      await linkStaffAccount(p, two.vendor.accessToken, two.clinicId, two.staffIds[0]!, linked);
      // The second user is linked in the first clinic too, through a new staff entry.
      const extra = await p.http.post(
        `/api/v1/clinics/${one.clinicId}/staff`,
        { name: 'Budi', role: 'nurse', serviceIds: [] },
        {
          token: one.vendor.accessToken,
        },
      );
      await linkStaffAccount(p, one.vendor.accessToken, one.clinicId, extra.body.id, linked);

      expect(
        (
          await p.http.delete(`/api/v1/clinics/${one.clinicId}/staff/${one.staffIds[0]}`, {
            token: one.vendor.accessToken,
          })
        ).status,
      ).toBe(204);
      expect(await rolesOf(byAdmin)).toContain('clinic_staff');

      const unlink = await p.http.patch(
        `/api/v1/clinics/${one.clinicId}/staff/${extra.body.id}`,
        { userId: null },
        {
          token: one.vendor.accessToken,
        },
      );
      expect(unlink.status).toBe(200);
      expect(await rolesOf(linked)).toContain('clinic_staff');
      expect(
        (
          await p.http.delete(`/api/v1/clinics/${two.clinicId}/staff/${two.staffIds[0]}`, {
            token: two.vendor.accessToken,
          })
        ).status,
      ).toBe(204);
      expect(await rolesOf(linked)).not.toContain('clinic_staff');
    },
  );
});

describe('11.10 links that lead somewhere', () => {
  let p: Platform;
  beforeAll(async () => {
    p = await startPlatform({ databaseUrl: inject('databaseUrl'), services: ['auth'] });
  });
  afterAll(async () => {
    await p?.stop();
  });

  /** The URL of a mail's action button (its plain-text part ends the paragraph with `label: url`). */
  const linkIn = (text: string) => /(https?:\/\/\S+token=\S+)/.exec(text)?.[1] ?? '';
  const form = (fields: Record<string, string>) => ({
    raw: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const expectPage = (res: { status: number; headers: Headers; text: string }, status = 200) => {
    expect(res.status, res.text).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.text).not.toMatch(/<script/i);
  };

  it('the verification mail links to a page of the platform whose form confirms the address', async () => {
    const email = `page-${Date.now()}@example.test`;
    const password = 'kucing oranye di sofa';
    expect((await p.http.post('/api/v1/auth/register', { email, password, name: 'Budi' })).status).toBe(201);
    const mail = await p.smtp.waitFor(email);
    expect(mail.text).toContain('orang lain');
    const link = linkIn(mail.text);
    expect(link.startsWith(`${p.url}/verify-email?token=`)).toBe(true);
    const page = await p.http.get(link.slice(p.url.length));
    expectPage(page);
    expect(page.text).toContain('Konfirmasi email');
    // Opening the page changes nothing (mail scanners open links); its form does.
    expect((await p.http.post('/api/v1/auth/login', { email, password })).status).toBe(403);
    const url = new URL(link);
    const done = await p.http.call(
      'POST',
      '/verify-email',
      form({ token: url.searchParams.get('token')!, lang: url.searchParams.get('lang')! }),
    );
    expectPage(done);
    expect((await p.http.post('/api/v1/auth/login', { email, password })).status).toBe(200);
  });

  it('the reset mail links to a page whose form sets the new password', async () => {
    const u = await createVerifiedUser(p, { language: 'en' });
    expect((await p.http.post('/api/v1/auth/password/forgot', { email: u.email })).status).toBe(202);
    const mail = await p.smtp.waitFor(u.email, (m) => /reset/i.test(m.subject));
    const link = linkIn(mail.text);
    expect(link.startsWith(`${p.url}/reset-password?token=`)).toBe(true);
    const page = await p.http.get(link.slice(p.url.length));
    expectPage(page);
    expect(page.text).toContain('Choose a new password');
    expect(page.text).toMatch(/<form method="post"/);
    const token = new URL(link).searchParams.get('token')!;
    const weak = await p.http.call(
      'POST',
      '/reset-password',
      form({ token, lang: 'en', password: 'short', confirm: 'short' }),
    );
    expectPage(weak, 400);
    expect(weak.text).toContain('too short');
    const fresh = 'a brand new passphrase 7';
    const done = await p.http.call(
      'POST',
      '/reset-password',
      form({ token, lang: 'en', password: fresh, confirm: fresh }),
    );
    expectPage(done);
    expect((await p.http.post('/api/v1/auth/login', { email: u.email, password: fresh })).status).toBe(200);
    expect((await p.http.post('/api/v1/auth/login', { email: u.email, password: u.password })).status).toBe(401);
    // The token was single-use.
    const again = await p.http.call(
      'POST',
      '/reset-password',
      form({ token, lang: 'en', password: fresh, confirm: fresh }),
    );
    expectPage(again, 400);
  });

  it('speaks the language of the link, else of the browser, else Bahasa Indonesia', async () => {
    expect((await p.http.get('/reset-password?token=x&lang=en')).text).toContain('Choose a new password');
    expect(
      (await p.http.get('/reset-password?token=x', { headers: { 'accept-language': 'en-GB,en;q=0.8' } })).text,
    ).toContain('Choose a new password');
    expect((await p.http.get('/reset-password?token=x')).text).toContain('Buat kata sandi baru');
  });

  it('links go to PUBLIC_APP_URL when it is set', async () => {
    const email = `app-${Date.now()}@example.test`;
    expect(
      (await p.http.post('/api/v1/auth/register', { email, password: 'long passphrase app', name: 'A' })).status,
    ).toBe(201);
    await p.smtp.waitFor(email);
    const withApp = await startService(authService, {
      env: { ...p.env, PUBLIC_APP_URL: 'https://app.petpro.test/' },
      registry: new MemoryRegistry(),
      noSignals: true,
    });
    try {
      const direct = httpClient(withApp.url);
      expect((await direct.post('/api/v1/auth/resend-verification', { email })).status).toBe(202);
      expect((await direct.post('/api/v1/auth/password/forgot', { email })).status).toBe(202);
      const verify = await p.smtp.waitFor(email, (m) =>
        linkIn(m.text).startsWith('https://app.petpro.test/verify-email?'),
      );
      expect(verify).toBeTruthy();
      await p.smtp.waitFor(email, (m) => linkIn(m.text).startsWith('https://app.petpro.test/reset-password?'));
    } finally {
      await withApp.stop();
    }
  });
});

describe('11.11 contract corrections', () => {
  let p: Platform;
  beforeAll(async () => {
    p = await startPlatform({ databaseUrl: inject('databaseUrl') });
  });
  afterAll(async () => {
    await p?.stop();
  });

  it("a published clinic's opening hours and staff are public, and staff never show userId to the public", async () => {
    const clinic = await createClinic(p, { staff: [{ name: 'drh. Ayu', account: true }] });
    const staffId = clinic.staff[0]!.id;
    const hours = await p.http.get(`/api/v1/clinics/${clinic.id}/hours`);
    expect(hours.status).toBe(200);
    expect(hours.body.weekly.length).toBeGreaterThan(0);
    const stranger = await createVerifiedUser(p);
    for (const token of [undefined, stranger.accessToken]) {
      const list = await p.http.get(`/api/v1/clinics/${clinic.id}/staff`, { token });
      expect(list.status).toBe(200);
      expect(list.body.items.map((s: { name: string }) => s.name)).toEqual(['drh. Ayu']);
      expect(list.body.items[0]).not.toHaveProperty('userId');
      const one = await p.http.get(`/api/v1/clinics/${clinic.id}/staff/${staffId}`, { token });
      expect(one.status).toBe(200);
      expect(one.body).not.toHaveProperty('userId');
    }
    const owner = await p.http.get(`/api/v1/clinics/${clinic.id}/staff`, { token: clinic.vendor.accessToken });
    expect(owner.body.items[0].userId).toBe(clinic.staff[0]!.user!.userId);
  });

  it("a deleted pet's photos stop being served at deletion, and a restore brings them back", async () => {
    const owner = await createVerifiedUser(p);
    const pet = await p.http.post('/api/v1/pets', { name: 'Milo', species: 'cat' }, { token: owner.accessToken });
    const photo = await upload(
      p,
      'POST',
      `/api/v1/pets/${pet.body.id}/images`,
      owner.accessToken,
      form(await png(64, 48), 'milo.png', 'image/png'),
    );
    expect(photo.status, photo.text).toBe(201);
    const urls: string[] = photo.body.variants.map((v: { url: string }) => v.url);
    const status = (url: string) => fetch(url).then((r) => r.status);
    for (const url of urls) expect(await status(url)).toBe(200);
    expect((await p.http.delete(`/api/v1/pets/${pet.body.id}`, { token: owner.accessToken })).status).toBe(204);
    for (const url of urls) expect(await status(url)).toBe(404);
    const restored = await p.http.post(`/api/v1/pets/${pet.body.id}/restore`, undefined, { token: owner.accessToken });
    expect(restored.status).toBe(200);
    for (const url of urls) expect(await status(url)).toBe(200);
  });

  it("ages and due dates count 'today' in the user's time zone", async () => {
    // Kiritimati (UTC+14) and Pago Pago (UTC-11) sit on either side of Jakarta (UTC+7); at any moment
    // one of them has another date than Jakarta.
    const now = DateTime.utc();
    const jakarta = now.setZone('Asia/Jakarta').toISODate()!;
    const zone = now.setZone('Pacific/Kiritimati').toISODate() !== jakarta ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago';
    const userToday = now.setZone(zone).toISODate()!;
    const [earlier, later] = [userToday, jakarta].sort();
    const owner = await createVerifiedUser(p);
    const prefs = await p.http.put('/api/v1/users/me/preferences', { timeZone: zone }, { token: owner.accessToken });
    expect(prefs.status, prefs.text).toBe(200);
    expect(prefs.body.timeZone).toBe(zone);
    // Born a year before the later of the two dates: one year old there, not yet on the earlier date.
    const birthDate = DateTime.fromISO(later!).minus({ years: 1 }).toISODate()!;
    const pet = await p.http.post(
      '/api/v1/pets',
      { name: 'Milo', species: 'cat', birthDate },
      { token: owner.accessToken },
    );
    expect(pet.status, pet.text).toBe(201);
    expect(pet.body.ageYears).toBe(userToday === later ? 1 : 0);
    // Due on the earlier date: still upcoming there, overdue on the later one.
    const record = await p.http.post(
      `/api/v1/pets/${pet.body.id}/medical-records`,
      { type: 'vaccination', title: 'Rabies', date: birthDate, nextDueDate: earlier },
      { token: owner.accessToken },
    );
    expect(record.status, record.text).toBe(201);
    const upcoming = await p.http.get(`/api/v1/pets/${pet.body.id}/medical-records?due=upcoming`, {
      token: owner.accessToken,
    });
    expect(upcoming.body.items.length).toBe(userToday === earlier ? 1 : 0);
  });

  it('cancellation and rescheduling cut-offs follow the policy in force when the booking was made', async () => {
    const clinic = await createClinic(p);
    await putRules(p, clinic, weeklyRules([1, 2, 3, 4, 5, 6], LUNCH_BREAK));
    const owner = await createOwner(p);
    const day = mondayAhead(clinic.timeZone);
    const base = { clinicId: clinic.id, serviceId: clinic.services[0]!.id, petIds: [owner.petId] };
    const book = async (time: string) => {
      const r = await p.http.post(
        '/api/v1/bookings',
        { ...base, start: localIso(day, time, clinic.timeZone) },
        {
          token: owner.accessToken,
        },
      );
      expect(r.status, r.text).toBe(201);
      return r.body.id as string;
    };
    const first = await book('08:00');
    const second = await book('09:00');
    // After the bookings, the clinic puts a 30-day cut-off (which covers a booking two weeks ahead).
    const policy = await p.http.put(
      `/api/v1/schedules/${clinic.id}/policy`,
      { cancellationCutoffMinutes: 43_200 },
      {
        token: clinic.vendor.accessToken,
      },
    );
    expect(policy.status).toBe(200);
    const cancel = await p.http.post(`/api/v1/bookings/${first}/cancel`, {}, { token: owner.accessToken });
    expect(cancel.status, cancel.text).toBe(200);
    const moved = await p.http.patch(
      `/api/v1/bookings/${second}`,
      { start: localIso(day, '10:00', clinic.timeZone) },
      {
        token: owner.accessToken,
      },
    );
    expect(moved.status, moved.text).toBe(200);
    // A booking made under the new policy is held to it.
    const third = await book('11:00');
    const late = await p.http.post(`/api/v1/bookings/${third}/cancel`, {}, { token: owner.accessToken });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('cancellation_cutoff_passed');
  });
});

describe('11.12 cost caps', () => {
  it(
    'images over IMAGE_MAX_PIXELS are refused before decoding: ' + 'avatars, pet photos, clinic photos, documents',
    async () => {
      const big = await png(1200, 1000); // 1.2 MP, a few kB on the wire
      const user = await createVerifiedUser(p);
      const avatar = await uploadPng('/api/v1/users/me/avatar', user.accessToken, big);
      expectStatus(avatar, 413);
      expect(avatar.body.code).toBe('image_too_large');
      const pet = await p.http.post('/api/v1/pets', { name: 'Milo', species: 'dog' }, { token: user.accessToken });
      expectStatus(await uploadPng(`/api/v1/pets/${pet.body.id}/images`, user.accessToken, big), 413);
      const clinic = await createOwnedClinic();
      expectStatus(await uploadPng(`/api/v1/clinics/${clinic.id}/photos`, clinic.vendor.accessToken, big), 413);
      const applicant = await createVerifiedUser(p);
      const app = await p.http.post('/api/v1/vendor/onboarding', undefined, { token: applicant.accessToken });
      expectStatus(app, 201);
      const doc = await uploadPng(`/api/v1/vendor/onboarding/${app.body.id}/documents`, applicant.accessToken, big, {
        type: 'business_licence',
      });
      expectStatus(doc, 413);
      expect(doc.body.code).toBe('image_too_large');
      // Within the limit is fine.
      expectStatus(await uploadPng('/api/v1/users/me/avatar', user.accessToken, await png(800, 600)), 200);
    },
  );

  it('uploads are limited per account per hour: 429 with Retry-After and a stable code', async () => {
    const small = await png(40, 30);
    const user = await createVerifiedUser(p);
    for (let i = 0; i < UPLOADS_PER_HOUR; i++)
      expectStatus(await uploadPng('/api/v1/users/me/avatar', user.accessToken, small), 200);
    const over = await uploadPng('/api/v1/users/me/avatar', user.accessToken, small);
    expectStatus(over, 429);
    expect(over.body.code).toBe('upload_limit_reached');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account is not affected; the clinic service counts its uploads the same way.
    const other = await createVerifiedUser(p);
    expectStatus(await uploadPng('/api/v1/users/me/avatar', other.accessToken, small), 200);
    const vendor = await createOwnedClinic();
    for (let i = 0; i < UPLOADS_PER_HOUR; i++)
      expectStatus(await uploadPng(`/api/v1/clinics/${vendor.id}/photos`, vendor.vendor.accessToken, small), 201);
    const photo = await uploadPng(`/api/v1/clinics/${vendor.id}/photos`, vendor.vendor.accessToken, small);
    expectStatus(photo, 429);
    expect(photo.body.code).toBe('upload_limit_reached');
    const applicant = await createVerifiedUser(p);
    const app = await p.http.post('/api/v1/vendor/onboarding', undefined, { token: applicant.accessToken });
    for (let i = 0; i < UPLOADS_PER_HOUR; i++) {
      const r = await upload(
        p,
        'POST',
        `/api/v1/vendor/onboarding/${app.body.id}/documents`,
        applicant.accessToken,
        form(PDF, 'licence.pdf', 'application/pdf', { type: 'business_licence' }),
      );
      expect([201, 409]).toContain(r.status);
    }
    const doc = await uploadPng(`/api/v1/vendor/onboarding/${app.body.id}/documents`, applicant.accessToken, small, {
      type: 'business_licence',
    });
    expectStatus(doc, 429);
  });

  it('admin list cursors with a non-ISO instant are a 400, not a 500', async () => {
    const id = '00000000-0000-7000-8000-000000000000';
    for (const instant of ['Tue Mar 03 2026 (WIB)', '2026-03-03 10:00', 'March 3, 2026', '1772500000000']) {
      const users = await p.http.get(`/api/v1/admin/users?cursor=${encodeCursor({ createdAt: instant, id })}`, {
        token: admin.accessToken,
      });
      expectStatus(users, 400);
      expect(users.body.code).toBe('invalid_cursor');
      const queue = await p.http.get(`/api/v1/admin/onboarding?cursor=${encodeCursor({ w: instant, id })}`, {
        token: admin.accessToken,
      });
      expectStatus(queue, 400);
      expect(queue.body.code).toBe('invalid_cursor');
    }
  });
});
