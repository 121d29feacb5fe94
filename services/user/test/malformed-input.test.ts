/**
 * Malformed input that once made the user service answer 500 (and, repeated, opened the gateway's circuit for
 * everyone).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser, type TestUser } from '../../../test/users.ts';

let p: Platform;
let u: TestUser;
let petId: string;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const dashes = '-'.repeat(36);
const someId = '0190f5a4-5c3e-7000-8000-000000000001';

beforeAll(async () => {
  p = await startPlatform({ databaseUrl: inject('databaseUrl'), services: ['auth', 'user'] });
  u = await createVerifiedUser(p);
  petId = (await p.http.post('/api/v1/pets', { name: 'Milo', species: 'dog' }, { token: u.accessToken })).body.id;
});
afterAll(async () => {
  await p?.stop();
});

describe('malformed input', () => {
  it('answers 400 invalid_cursor, never 500, for forged cursors on every list', async () => {
    const cursors = [
      `/api/v1/pets?cursor=${b64([dashes])}`,
      `/api/v1/pets?deleted=true&cursor=${b64(['x', 'y'])}`,
      `/api/v1/pets?deleted=true&cursor=${b64(['2027-01-01T00:00:00.000Z', dashes])}`,
      `/api/v1/users/me/favourites?cursor=${b64(['2027-01-01T00:00:00.000Z', dashes])}`,
      `/api/v1/users/me/favourites?cursor=${b64(['-271821-04-20T00:00:00.000Z', someId])}`,
      `/api/v1/pets/${petId}/medical-records?cursor=${b64(['2026-02-30', someId])}`,
      `/api/v1/pets/${petId}/medical-records?cursor=${b64(['2026-02-03', dashes])}`,
    ];
    for (const path of cursors) {
      const res = await p.http.get(path, { token: u.accessToken });
      expect({ path, status: res.status, code: res.body.errors?.[0]?.code }).toEqual({
        path,
        status: 400,
        code: 'invalid_cursor',
      });
    }
  });

  it('answers 400 for a NUL character in a text field instead of a 500 from PostgreSQL', async () => {
    const t = { token: u.accessToken };
    for (const res of [
      await p.http.post('/api/v1/pets', { name: 'a\u0000b', species: 'dog' }, t),
      await p.http.patch('/api/v1/users/me', { bio: 'a\u0000b' }, t),
      await p.http.post(
        `/api/v1/pets/${petId}/medical-records`,
        { type: 'visit', title: 'a\u0000b', date: '2024-01-01' },
        t,
      ),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.errors[0].code).toBe('invalid_character');
    }
    expect((await p.http.get('/api/v1/pets', t)).status).toBe(200);
  });
});
