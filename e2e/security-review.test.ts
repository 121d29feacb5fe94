/**
 * Issue 11, the security review: each block reproduces one attack the review found, through the
 * real gateway (or straight at a service's port where that is the attack), and asserts the refusal.
 * Items 11.1, 11.2, 11.4, 11.5, 11.8 and 11.12 are here; the other items have their own blocks.
 */
import path from 'node:path';
import { SignJWT } from 'jose';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import express from 'express';
import {
  ClientClosedRequestError,
  ServiceCredentials,
  clientGoneSignal,
  closeServer,
  createDatabase,
  deriveServiceKey,
  encodeCursor,
  listen,
  toAppError,
} from '@petpro/kit';
import { createTestDatabase, eventually } from '@petpro/kit/testing';
import { TEST_SECRET, startPlatform, type Platform } from '../test/platform.ts';
import { runScript } from '../test/process.ts';
import { createVerifiedUser, loginAdmin, relogin, setRoles, type TestUser } from '../test/users.ts';
import { PDF } from '../services/clinic/test/helpers.ts';

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

/** A user given the `vendor` role by the admin, logged in again so the token carries it. */
async function createVendor(): Promise<TestUser> {
  const user = await createVerifiedUser(p, { name: 'Vendor' });
  await setRoles(p, admin, user.userId, ['pet_owner', 'vendor']);
  return relogin(p, user);
}

interface Clinic {
  id: string;
  vendor: TestUser;
  serviceId: string;
  staffId: string;
}

/** A published clinic of a fresh vendor, open every day, with one service and one vet qualified for it. */
async function createClinic(): Promise<Clinic> {
  const vendor = await createVendor();
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

/** A real PNG of the given size (one colour: tiny on disk, large in pixels). */
const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3b82f6' } })
    .png()
    .toBuffer();

/** Uploads a PNG as multipart (PUT for the avatar, POST elsewhere). */
function upload(urlPath: string, token: string, bytes: Buffer, fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'photo.png');
  return p.http.call(urlPath.endsWith('/avatar') ? 'PUT' : 'POST', urlPath, { token, raw: form });
}

// 11.1 ---------------------------------------------------------------------------------------------

describe('11.1 cross-clinic writes', () => {
  it("removing another clinic's service through one's own clinic URL is a 404 and changes nothing", async () => {
    const victim = await createClinic();
    const attacker = await createClinic();
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

  it("a staff member cannot be qualified for another clinic's service, even by a write that skips the checks", async () => {
    const a = await createClinic();
    const b = await createClinic();
    // Straight at the clinic database, as a repository bug would: the composite keys refuse it.
    const client = new pg.Client({ connectionString: p.dbUrls.clinic });
    await client.connect();
    try {
      await expect(
        client.query('insert into staff_services (clinic_id, staff_id, service_id) values ($1, $2, $3)', [
          a.id,
          a.staffId,
          b.serviceId,
        ]),
      ).rejects.toThrow(/foreign key/);
    } finally {
      await client.end();
    }
  });
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
    await createClinic();
    await createClinic();
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

describe('11.4 roles that do something', () => {
  it('a vendor whose vendor role an admin withdrew cannot edit schedules or read customers bookings', async () => {
    const clinic = await createClinic();
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
    const clinic = await createClinic();
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
    const clinic = await createClinic();
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
    const clinic = await createClinic();
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

describe('11.12 cost caps', () => {
  it('images over IMAGE_MAX_PIXELS are refused before decoding: avatars, pet photos, clinic photos, documents', async () => {
    const big = await png(1200, 1000); // 1.2 MP, a few kB on the wire
    const user = await createVerifiedUser(p);
    const avatar = await upload('/api/v1/users/me/avatar', user.accessToken, big);
    expectStatus(avatar, 413);
    expect(avatar.body.code).toBe('image_too_large');
    const pet = await p.http.post('/api/v1/pets', { name: 'Milo', species: 'dog' }, { token: user.accessToken });
    expectStatus(await upload(`/api/v1/pets/${pet.body.id}/images`, user.accessToken, big), 413);
    const clinic = await createClinic();
    expectStatus(await upload(`/api/v1/clinics/${clinic.id}/photos`, clinic.vendor.accessToken, big), 413);
    const applicant = await createVerifiedUser(p);
    const app = await p.http.post('/api/v1/vendor/onboarding', undefined, { token: applicant.accessToken });
    expectStatus(app, 201);
    const doc = await upload(`/api/v1/vendor/onboarding/${app.body.id}/documents`, applicant.accessToken, big, {
      type: 'business_licence',
    });
    expectStatus(doc, 413);
    expect(doc.body.code).toBe('image_too_large');
    // Within the limit is fine.
    expectStatus(await upload('/api/v1/users/me/avatar', user.accessToken, await png(800, 600)), 200);
  });

  it('uploads are limited per account per hour: 429 with Retry-After and a stable code', async () => {
    const small = await png(40, 30);
    const user = await createVerifiedUser(p);
    for (let i = 0; i < UPLOADS_PER_HOUR; i++)
      expectStatus(await upload('/api/v1/users/me/avatar', user.accessToken, small), 200);
    const over = await upload('/api/v1/users/me/avatar', user.accessToken, small);
    expectStatus(over, 429);
    expect(over.body.code).toBe('upload_limit_reached');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account is not affected; the clinic service counts its uploads the same way.
    const other = await createVerifiedUser(p);
    expectStatus(await upload('/api/v1/users/me/avatar', other.accessToken, small), 200);
    const vendor = await createClinic();
    for (let i = 0; i < UPLOADS_PER_HOUR; i++)
      expectStatus(await upload(`/api/v1/clinics/${vendor.id}/photos`, vendor.vendor.accessToken, small), 201);
    const photo = await upload(`/api/v1/clinics/${vendor.id}/photos`, vendor.vendor.accessToken, small);
    expectStatus(photo, 429);
    expect(photo.body.code).toBe('upload_limit_reached');
    const applicant = await createVerifiedUser(p);
    const app = await p.http.post('/api/v1/vendor/onboarding', undefined, { token: applicant.accessToken });
    for (let i = 0; i < UPLOADS_PER_HOUR; i++) {
      const form = new FormData();
      form.append('type', 'business_licence');
      form.append('file', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), 'licence.pdf');
      const r = await p.http.call('POST', `/api/v1/vendor/onboarding/${app.body.id}/documents`, {
        token: applicant.accessToken,
        raw: form,
      });
      expect([201, 409]).toContain(r.status);
    }
    const doc = await upload(`/api/v1/vendor/onboarding/${app.body.id}/documents`, applicant.accessToken, small, {
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
