import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import sharp from 'sharp';
import { DateTime } from 'luxon';
import { ServiceCredentials, SERVICE_TOKEN_HEADER } from '@petpro/kit';
import { startPlatform, TEST_SECRET, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser, type TestUser } from '../../../test/users.ts';
import { download, form, isWebp, jpeg, png, upload } from '../../../test/media.ts';

let p: Platform;
let u: TestUser;
const today = () => DateTime.now().setZone('Asia/Jakarta').toISODate()!;

beforeAll(async () => {
  p = await startPlatform({ databaseUrl: inject('databaseUrl'), services: ['auth', 'user'] });
  u = await createVerifiedUser(p);
});
afterAll(async () => {
  await p?.stop();
});

const post = (path: string, body: unknown) => p.http.post(path, body, { token: u.accessToken });

describe('pets', () => {
  it('are created, read, listed with cursor pagination, updated and soft-deleted', async () => {
    const created = await post('/api/v1/pets', {
      name: 'Bruno',
      species: 'dog',
      breed: 'Golden Retriever',
      sex: 'male',
      birthDate: '2019-06-01',
      weightKg: 31.5,
      microchipId: '985 1410-0012-3456',
      sterilised: true,
      notes: 'Takut petir.',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/pets/${created.body.id}`);
    expect(created.body).toMatchObject({
      name: 'Bruno',
      species: 'dog',
      breed: 'Golden Retriever',
      sex: 'male',
      birthDate: '2019-06-01',
      birthDateEstimated: false,
      weightKg: 31.5,
      microchipId: '985141000123456',
      sterilised: true,
      notes: 'Takut petir.',
      photos: [],
      primaryPhoto: null,
      deletedAt: null,
    });
    const expectedYears = Math.floor(
      DateTime.fromISO(today()).diff(DateTime.fromISO('2019-06-01'), 'months').months / 12,
    );
    expect(created.body.ageYears).toBe(expectedYears);

    const got = await p.http.get(`/api/v1/pets/${created.body.id}`, { token: u.accessToken });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);

    const more = [];
    for (const name of ['Kiki', 'Nemo', 'Tofu'])
      more.push((await post('/api/v1/pets', { name, species: name === 'Nemo' ? 'fish' : 'cat' })).body);
    const page1 = await p.http.get('/api/v1/pets?limit=2', { token: u.accessToken });
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((x: { name: string }) => x.name)).toEqual(['Bruno', 'Kiki']);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await p.http.get(`/api/v1/pets?limit=2&cursor=${page1.body.nextCursor}`, { token: u.accessToken });
    expect(page2.body.items.map((x: { name: string }) => x.name)).toEqual(['Nemo', 'Tofu']);
    expect(page2.body.nextCursor).toBeNull();
    const fish = await p.http.get('/api/v1/pets?species=fish', { token: u.accessToken });
    expect(fish.body.items.map((x: { name: string }) => x.name)).toEqual(['Nemo']);

    const patched = await p.http.patch(
      `/api/v1/pets/${created.body.id}`,
      { weightKg: 29.75, notes: null, breed: 'Golden' },
      { token: u.accessToken },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      weightKg: 29.75,
      notes: null,
      breed: 'Golden',
      name: 'Bruno',
      birthDate: '2019-06-01',
    });

    const del = await p.http.delete(`/api/v1/pets/${more[2].id}`, { token: u.accessToken });
    expect(del.status).toBe(204);
    expect((await p.http.get(`/api/v1/pets/${more[2].id}`, { token: u.accessToken })).status).toBe(404);
    expect((await p.http.delete(`/api/v1/pets/${more[2].id}`, { token: u.accessToken })).status).toBe(404);
    const listed = await p.http.get('/api/v1/pets?limit=100', { token: u.accessToken });
    expect(listed.body.items.map((x: { name: string }) => x.name)).not.toContain('Tofu');
  });

  it('take an estimated age instead of a birth date and derive ageYears from it', async () => {
    const res = await post('/api/v1/pets', { name: 'Oyen', species: 'cat', estimatedAgeYears: 3 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ birthDateEstimated: true, ageYears: 3, ageMonths: 36 });
    expect(res.body.birthDate).toBe(DateTime.fromISO(today()).minus({ years: 3 }).toISODate());
    const kitten = await p.http.patch(
      `/api/v1/pets/${res.body.id}`,
      { estimatedAgeYears: 0.5 },
      { token: u.accessToken },
    );
    expect(kitten.body).toMatchObject({ ageYears: 0, ageMonths: 6, birthDateEstimated: true });
    const exact = await p.http.patch(
      `/api/v1/pets/${res.body.id}`,
      { birthDate: '2024-01-15' },
      { token: u.accessToken },
    );
    expect(exact.body).toMatchObject({ birthDate: '2024-01-15', birthDateEstimated: false });
  });

  it('refuse future birth dates, bad values and unknown fields, naming each field', async () => {
    const tomorrow = DateTime.now().setZone('Pacific/Kiritimati').plus({ days: 1 }).toISODate();
    const res = await post('/api/v1/pets', {
      name: '',
      species: 'dragon',
      sex: 'x',
      birthDate: tomorrow,
      weightKg: -2,
      microchipId: 'abc',
      colour: 'black',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const byField = Object.fromEntries(
      res.body.errors.map((e: { field: string; message: string }) => [e.field, e.message]),
    );
    expect(Object.keys(byField)).toEqual(
      expect.arrayContaining(['name', 'species', 'sex', 'birthDate', 'weightKg', 'microchipId']),
    );
    expect(byField.birthDate).toMatch(/future/);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ field: 'colour', code: 'unrecognized_key' }));

    expect(
      (await post('/api/v1/pets', { name: 'X', species: 'cat', birthDate: '2023-02-30' })).body.errors[0].field,
    ).toBe('birthDate');
    expect(
      (await post('/api/v1/pets', { name: 'X', species: 'cat', birthDate: '2020-01-01', estimatedAgeYears: 2 })).body
        .errors[0].field,
    ).toBe('estimatedAgeYears');
    expect((await post('/api/v1/pets', { species: 'cat' })).body.errors[0].field).toBe('name');
    expect((await p.http.get('/api/v1/pets/not-a-uuid', { token: u.accessToken })).body.errors[0].field).toBe(
      'params.id',
    );
    expect((await p.http.get('/api/v1/pets?limit=0', { token: u.accessToken })).body.errors[0].field).toBe(
      'query.limit',
    );
    expect((await p.http.get('/api/v1/pets?cursor=garbage', { token: u.accessToken })).body.errors[0].field).toBe(
      'query.cursor',
    );
    expect((await p.http.get('/api/v1/pets?sort=name', { token: u.accessToken })).status).toBe(400);
    // Today is never "the future", wherever the user is.
    expect((await post('/api/v1/pets', { name: 'Baru', species: 'rabbit', birthDate: today() })).status).toBe(201);
  });

  it('are restorable with photos and medical history within 30 days, and listed as deleted meanwhile', async () => {
    const pet = (await post('/api/v1/pets', { name: 'Lazarus', species: 'cat' })).body;
    const photo = await upload(
      p,
      'POST',
      `/api/v1/pets/${pet.id}/images`,
      u.accessToken,
      form(await jpeg(600, 400), 'l.jpg', 'image/jpeg'),
    );
    const record = await post(`/api/v1/pets/${pet.id}/medical-records`, {
      type: 'allergy',
      title: 'Chicken',
      date: '2024-03-01',
    });
    expect(record.status).toBe(201);
    expect((await p.http.delete(`/api/v1/pets/${pet.id}`, { token: u.accessToken })).status).toBe(204);
    expect((await p.http.get(`/api/v1/pets/${pet.id}/medical-records`, { token: u.accessToken })).status).toBe(404);

    const deleted = await p.http.get('/api/v1/pets?deleted=true', { token: u.accessToken });
    const listed = deleted.body.items.find((x: { id: string }) => x.id === pet.id);
    expect(listed.deletedAt).toEqual(expect.any(String));
    expect(new Date(listed.restorableUntil).getTime() - new Date(listed.deletedAt).getTime()).toBe(30 * 86_400_000);
    // The photo files stay while the pet can come back, but are not served while it is deleted.
    expect((await download(p, photo.body.url)).status).toBe(404);

    const restored = await p.http.post(`/api/v1/pets/${pet.id}/restore`, undefined, { token: u.accessToken });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id: pet.id, deletedAt: null, restorableUntil: null });
    expect(restored.body.photos.map((x: { id: string }) => x.id)).toEqual([photo.body.id]);
    expect((await download(p, photo.body.url)).status).toBe(200);
    const records = await p.http.get(`/api/v1/pets/${pet.id}/medical-records`, { token: u.accessToken });
    expect(records.body.items.map((x: { id: string }) => x.id)).toEqual([record.body.id]);
  });

  it(
    'past the restore window cannot be restored, ' + 'and the purge removes them with their records and files',
    async () => {
      const pet = (await post('/api/v1/pets', { name: 'Old', species: 'dog' })).body;
      const photo = await upload(
        p,
        'POST',
        `/api/v1/pets/${pet.id}/images`,
        u.accessToken,
        form(await jpeg(300, 300), 'o.jpg', 'image/jpeg'),
      );
      await post(`/api/v1/pets/${pet.id}/medical-records`, { type: 'visit', title: 'Checkup', date: '2024-01-01' });
      await p.http.delete(`/api/v1/pets/${pet.id}`, { token: u.accessToken });
      // Move the deletion 31 days into the past, as if a month had gone by.
      const db = new pg.Client({ connectionString: p.dbUrls.user });
      await db.connect();
      try {
        await db.query(`update pets set deleted_at = now() - interval '31 days' where id = $1`, [pet.id]);
        expect(
          (await p.http.post(`/api/v1/pets/${pet.id}/restore`, undefined, { token: u.accessToken })).body.code,
        ).toBe('restore_window_passed');
        const deleted = await p.http.get('/api/v1/pets?deleted=true&limit=100', { token: u.accessToken });
        expect(deleted.body.items.map((x: { id: string }) => x.id)).not.toContain(pet.id);

        const creds = new ServiceCredentials(TEST_SECRET, 'ops');
        const purge = await fetch(`${p.services.user!.url}/internal/maintenance/purge-deleted-pets`, {
          method: 'POST',
          headers: { [SERVICE_TOKEN_HEADER]: await creds.token() },
        });
        expect(purge.status).toBe(200);
        expect((await purge.json()).purged).toBeGreaterThanOrEqual(1);
        const left = await db.query(
          'select (select count(*) from pets where id = $1)::int as pets, ' +
            '(select count(*) from medical_records where pet_id = $1)::int as records, ' +
            '(select count(*) from images where pet_id = $1)::int as images',
          [pet.id],
        );
        expect(left.rows[0]).toEqual({ pets: 0, records: 0, images: 0 });
      } finally {
        await db.end();
      }
      expect((await download(p, photo.body.url)).status).toBe(404);
      expect((await p.http.post(`/api/v1/pets/${pet.id}/restore`, undefined, { token: u.accessToken })).status).toBe(
        404,
      );
    },
  );
});

describe('pet photos', () => {
  it('are stored as sized WebP, the first is primary, the primary can move, and deleting removes files', async () => {
    const pet = (await post('/api/v1/pets', { name: 'Shiro', species: 'dog' })).body;
    const first = await upload(
      p,
      'POST',
      `/api/v1/pets/${pet.id}/images`,
      u.accessToken,
      form(await jpeg(2000, 1000), 'a.jpg', 'image/jpeg'),
    );
    expect(first.status).toBe(201);
    expect(first.body.isPrimary).toBe(true);
    // Pet photos keep their aspect ratio inside the box.
    expect(first.body.variants.map((v: { width: number; height: number }) => [v.width, v.height])).toEqual([
      [64, 32],
      [256, 128],
      [1024, 512],
    ]);
    const large = await download(p, first.body.variants[2].url);
    expect(isWebp(large.bytes)).toBe(true);
    expect(await sharp(large.bytes).metadata()).toMatchObject({ format: 'webp', width: 1024, height: 512 });

    const second = await upload(
      p,
      'POST',
      `/api/v1/pets/${pet.id}/images`,
      u.accessToken,
      form(await png(500, 500), 'b.png', 'image/png'),
    );
    expect(second.body.isPrimary).toBe(false);
    const third = await upload(
      p,
      'POST',
      `/api/v1/pets/${pet.id}/images`,
      u.accessToken,
      form(await jpeg(400, 400), 'c.jpg', 'image/jpeg', { primary: 'true' }),
    );
    expect(third.body.isPrimary).toBe(true);

    let view = (await p.http.get(`/api/v1/pets/${pet.id}`, { token: u.accessToken })).body;
    expect(view.photos.map((x: { isPrimary: boolean }) => x.isPrimary)).toEqual([false, false, true]);
    expect(view.primaryPhoto.id).toBe(third.body.id);

    const made = await p.http.patch(
      `/api/v1/pets/${pet.id}/images/${second.body.id}`,
      { isPrimary: true },
      { token: u.accessToken },
    );
    expect(made.status).toBe(200);
    expect(
      (await p.http.get(`/api/v1/pets/${pet.id}/images/${second.body.id}`, { token: u.accessToken })).body.isPrimary,
    ).toBe(true);

    // Deleting the primary hands it to the oldest remaining photo.
    expect(
      (await p.http.delete(`/api/v1/pets/${pet.id}/images/${second.body.id}`, { token: u.accessToken })).status,
    ).toBe(204);
    for (const v of second.body.variants) expect((await download(p, v.url)).status).toBe(404);
    view = (await p.http.get(`/api/v1/pets/${pet.id}`, { token: u.accessToken })).body;
    expect(view.primaryPhoto.id).toBe(first.body.id);
    const list = await p.http.get(`/api/v1/pets/${pet.id}/images`, { token: u.accessToken });
    expect(list.body.items.map((x: { id: string }) => x.id)).toEqual([first.body.id, third.body.id]);
  });

  it('are limited to 10 per pet', async () => {
    const pet = (await post('/api/v1/pets', { name: 'Poser', species: 'cat' })).body;
    const img = await jpeg(80, 80);
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        upload(p, 'POST', `/api/v1/pets/${pet.id}/images`, u.accessToken, form(img, 'x.jpg', 'image/jpeg')).then(
          (r) => r.status,
        ),
      ),
    );
    expect(results.filter((s) => s === 201)).toHaveLength(10);
    expect(results.filter((s) => s === 409)).toHaveLength(2);
    const photos = (await p.http.get(`/api/v1/pets/${pet.id}/images`, { token: u.accessToken })).body.items;
    expect(photos).toHaveLength(10);
    expect(photos.filter((x: { isPrimary: boolean }) => x.isPrimary)).toHaveLength(1);
  });

  it('refuse what is not a JPEG, PNG or WebP image (415)', async () => {
    const pet = (await post('/api/v1/pets', { name: 'Txt', species: 'bird' })).body;
    const res = await upload(
      p,
      'POST',
      `/api/v1/pets/${pet.id}/images`,
      u.accessToken,
      form('%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n', 'scan.jpg', 'image/jpeg'),
    );
    expect(res.status).toBe(415);
    expect(res.body.detail).toMatch(/JPEG, PNG or WebP/);
  });
});

describe('medical records', () => {
  it('are created, filtered by type, sorted by date, paged, updated and deleted', async () => {
    const pet = (await post('/api/v1/pets', { name: 'Doc', species: 'dog' })).body;
    const base = `/api/v1/pets/${pet.id}/medical-records`;
    const next = DateTime.fromISO(today()).plus({ months: 6 }).toISODate();
    const soon = DateTime.fromISO(today()).plus({ days: 10 }).toISODate();
    const past = DateTime.fromISO(today()).minus({ days: 10 }).toISODate();
    const rabies = await post(base, {
      type: 'vaccination',
      title: 'Rabies',
      date: '2024-05-01',
      nextDueDate: next,
      vet: 'drh. Sari',
      clinicId: '0190a5e2-7c1b-7def-8a00-1234567890ab',
    });
    expect(rabies.status).toBe(201);
    expect(rabies.body).toMatchObject({
      petId: pet.id,
      type: 'vaccination',
      title: 'Rabies',
      date: '2024-05-01',
      nextDueDate: next,
      vet: 'drh. Sari',
      notes: null,
    });
    const worm = await post(base, { type: 'medication', title: 'Deworming', date: '2024-06-10', nextDueDate: soon });
    const overdue = await post(base, { type: 'vaccination', title: 'DHPP', date: '2023-01-01', nextDueDate: past });
    await post(base, { type: 'visit', title: 'Checkup', date: '2024-07-01', notes: 'Healthy' });
    await post(base, { type: 'surgery', title: 'Sterilisation', date: '2022-02-02' });

    const all = await p.http.get(base, { token: u.accessToken });
    expect(all.body.items.map((r: { date: string }) => r.date)).toEqual([
      '2024-07-01',
      '2024-06-10',
      '2024-05-01',
      '2023-01-01',
      '2022-02-02',
    ]);
    const oldest = await p.http.get(`${base}?sort=date&limit=2`, { token: u.accessToken });
    expect(oldest.body.items.map((r: { title: string }) => r.title)).toEqual(['Sterilisation', 'DHPP']);
    const rest = await p.http.get(`${base}?sort=date&limit=2&cursor=${oldest.body.nextCursor}`, {
      token: u.accessToken,
    });
    expect(rest.body.items.map((r: { title: string }) => r.title)).toEqual(['Rabies', 'Deworming']);

    const vaccinations = await p.http.get(`${base}?type=vaccination`, { token: u.accessToken });
    expect(vaccinations.body.items.map((r: { title: string }) => r.title)).toEqual(['Rabies', 'DHPP']);
    const meds = await p.http.get(`${base}?type=vaccination,medication`, { token: u.accessToken });
    expect(meds.body.items).toHaveLength(3);

    const upcoming = await p.http.get(`${base}?due=upcoming`, { token: u.accessToken });
    expect(upcoming.body.items.map((r: { id: string }) => r.id)).toEqual([worm.body.id, rabies.body.id]);
    const late = await p.http.get(`${base}?due=overdue`, { token: u.accessToken });
    expect(late.body.items.map((r: { id: string }) => r.id)).toEqual([overdue.body.id]);

    const patched = await p.http.patch(
      `${base}/${rabies.body.id}`,
      { notes: 'Booster given', nextDueDate: null },
      { token: u.accessToken },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ notes: 'Booster given', nextDueDate: null, title: 'Rabies' });
    expect((await p.http.get(`${base}/${rabies.body.id}`, { token: u.accessToken })).body.notes).toBe('Booster given');

    expect((await p.http.delete(`${base}/${worm.body.id}`, { token: u.accessToken })).status).toBe(204);
    expect((await p.http.get(`${base}/${worm.body.id}`, { token: u.accessToken })).status).toBe(404);
  });

  it('validate each field and the rules across them', async () => {
    const pet = (await post('/api/v1/pets', { name: 'Val', species: 'cat' })).body;
    const base = `/api/v1/pets/${pet.id}/medical-records`;
    const bad = await post(base, { type: 'checkup', title: '', date: 'yesterday', clinicId: 'x', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['type', 'title', 'date', 'clinicId']),
    );
    const dueOnVisit = await post(base, { type: 'visit', title: 'V', date: '2024-01-01', nextDueDate: '2025-01-01' });
    expect(dueOnVisit.status).toBe(400);
    expect(dueOnVisit.body.errors).toEqual([expect.objectContaining({ field: 'nextDueDate' })]);
    const dueBefore = await post(base, {
      type: 'vaccination',
      title: 'V',
      date: '2024-01-01',
      nextDueDate: '2023-01-01',
    });
    expect(dueBefore.body.errors).toEqual([expect.objectContaining({ field: 'nextDueDate' })]);
    const future = await post(base, { type: 'visit', title: 'V', date: DateTime.now().plus({ days: 3 }).toISODate() });
    expect(future.body.errors).toEqual([expect.objectContaining({ field: 'date' })]);
    // A patch that would break a rule of the whole record is refused too.
    const vacc = await post(base, {
      type: 'vaccination',
      title: 'FVRCP',
      date: '2024-01-01',
      nextDueDate: '2025-01-01',
    });
    const toVisit = await p.http.patch(`${base}/${vacc.body.id}`, { type: 'visit' }, { token: u.accessToken });
    expect(toVisit.status).toBe(400);
    expect(toVisit.body.errors[0].field).toBe('nextDueDate');
    expect((await p.http.get(`${base}?due=soon`, { token: u.accessToken })).body.errors[0].field).toBe('query.due');
    expect((await p.http.get(`${base}?type=vaccination,nope`, { token: u.accessToken })).body.errors[0].field).toMatch(
      /^query\.type/,
    );
  });
});

describe('internal booker endpoint', () => {
  it('answers the user’s non-deleted pets among the ids, and the preferences, to the booking service', async () => {
    const a = (await post('/api/v1/pets', { name: 'A', species: 'dog' })).body;
    const b = (await post('/api/v1/pets', { name: 'B', species: 'cat' })).body;
    await p.http.delete(`/api/v1/pets/${b.id}`, { token: u.accessToken });
    const other = await createVerifiedUser(p);
    const c = (await p.http.post('/api/v1/pets', { name: 'C', species: 'fish' }, { token: other.accessToken })).body;
    const url = `${p.services.user!.url}/internal/users/${u.userId}/booker?ids=${a.id},${b.id},${c.id}`;
    expect((await fetch(url)).status).toBe(401);
    const booking = new ServiceCredentials(TEST_SECRET, 'booking');
    const res = await fetch(url, { headers: { [SERVICE_TOKEN_HEADER]: await booking.token() } });
    expect(res.status).toBe(200);
    const answer = await res.json();
    expect(answer.items).toEqual([{ id: a.id, name: 'A', species: 'dog' }]);
    expect(answer.preferences).toMatchObject({
      userId: u.userId,
      language: 'id',
      notifications: { reminderOffsetsMinutes: [1440, 120] },
    });
    // The previous release's booking service asks /pets during a rolling deploy: the same pets.
    const previous = await fetch(url.replace('/booker?', '/pets?'), {
      headers: { [SERVICE_TOKEN_HEADER]: await booking.token() },
    });
    expect(await previous.json()).toEqual({ items: [{ id: a.id, name: 'A', species: 'dog' }] });
    // Another service than booking is refused.
    const clinic = new ServiceCredentials(TEST_SECRET, 'clinic');
    expect((await fetch(url, { headers: { [SERVICE_TOKEN_HEADER]: await clinic.token() } })).status).toBe(403);
    // An id that is not a UUID is nobody's pet; no ids at all is a 400.
    const odd = await fetch(`${p.services.user!.url}/internal/users/${u.userId}/booker?ids=nope,${a.id}`, {
      headers: { [SERVICE_TOKEN_HEADER]: await booking.token() },
    });
    expect((await odd.json()).items).toEqual([{ id: a.id, name: 'A', species: 'dog' }]);
    const none = await fetch(`${p.services.user!.url}/internal/users/${u.userId}/booker?ids=`, {
      headers: { [SERVICE_TOKEN_HEADER]: await booking.token() },
    });
    expect(none.status).toBe(400);
  });

  it('is not reachable through the gateway', async () => {
    expect(
      (await p.http.get(`/internal/users/${u.userId}/booker?ids=${u.userId}`, { token: u.accessToken })).status,
    ).toBe(404);
  });
});
