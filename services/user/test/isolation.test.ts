/**
 * A user never reads or changes another user's pets, records or photos by changing an ID: every
 * method on every such path answers 404 (not 403, which would confirm the ID exists), and nothing
 * changes for the owner.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser, type TestUser } from '../../../test/users.ts';
import { form, jpeg, upload } from '../../../test/media.ts';

let p: Platform;
let owner: TestUser;
let stranger: TestUser;
let petId: string;
let deletedPetId: string;
let recordId: string;
let photoId: string;
let ownerViewBefore: unknown;

beforeAll(async () => {
  p = await startPlatform({ databaseUrl: inject('databaseUrl'), services: ['auth', 'user'] });
  [owner, stranger] = await Promise.all([createVerifiedUser(p), createVerifiedUser(p)]);
  const t = { token: owner.accessToken };
  petId = (await p.http.post('/api/v1/pets', { name: 'Private', species: 'cat' }, t)).body.id;
  recordId = (
    await p.http.post(
      `/api/v1/pets/${petId}/medical-records`,
      { type: 'vaccination', title: 'Rabies', date: '2024-01-01', nextDueDate: '2030-01-01' },
      t,
    )
  ).body.id;
  photoId = (
    await upload(
      p,
      'POST',
      `/api/v1/pets/${petId}/images`,
      owner.accessToken,
      form(await jpeg(200, 200), 'p.jpg', 'image/jpeg'),
    )
  ).body.id;
  deletedPetId = (await p.http.post('/api/v1/pets', { name: 'Gone', species: 'dog' }, t)).body.id;
  await p.http.delete(`/api/v1/pets/${deletedPetId}`, t);
  ownerViewBefore = (await p.http.get(`/api/v1/pets/${petId}`, t)).body;
});
afterAll(async () => {
  await p?.stop();
});

describe("a second user and the first user's pets", () => {
  const cases = (): Array<[string, string, (() => unknown) | FormData | undefined]> => [
    ['GET', `/api/v1/pets/${petId}`, undefined],
    ['PATCH', `/api/v1/pets/${petId}`, () => ({ name: 'Stolen' })],
    ['DELETE', `/api/v1/pets/${petId}`, undefined],
    ['POST', `/api/v1/pets/${petId}/restore`, undefined],
    ['POST', `/api/v1/pets/${deletedPetId}/restore`, undefined],
    ['GET', `/api/v1/pets/${petId}/medical-records`, undefined],
    ['GET', `/api/v1/pets/${petId}/medical-records?due=upcoming`, undefined],
    ['POST', `/api/v1/pets/${petId}/medical-records`, () => ({ type: 'visit', title: 'Fake', date: '2024-01-01' })],
    ['GET', `/api/v1/pets/${petId}/medical-records/${recordId}`, undefined],
    ['PATCH', `/api/v1/pets/${petId}/medical-records/${recordId}`, () => ({ title: 'Changed' })],
    ['DELETE', `/api/v1/pets/${petId}/medical-records/${recordId}`, undefined],
    ['GET', `/api/v1/pets/${petId}/images`, undefined],
    ['GET', `/api/v1/pets/${petId}/images/${photoId}`, undefined],
    ['PATCH', `/api/v1/pets/${petId}/images/${photoId}`, () => ({ isPrimary: true })],
    ['DELETE', `/api/v1/pets/${petId}/images/${photoId}`, undefined],
  ];

  it('get 404 problem+json on every method of every path, by ID', async () => {
    for (const [method, path, body] of cases()) {
      const res = await p.http.call(method, path, {
        token: stranger.accessToken,
        ...(typeof body === 'function' ? { body: body() } : {}),
      });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('get 404 when uploading a photo to it', async () => {
    const res = await upload(
      p,
      'POST',
      `/api/v1/pets/${petId}/images`,
      stranger.accessToken,
      form(await jpeg(100, 100), 'x.jpg', 'image/jpeg'),
    );
    expect(res.status).toBe(404);
  });

  it('get the same 404 as for an ID that does not exist at all', async () => {
    const mine = await p.http.get(`/api/v1/pets/${petId}`, { token: stranger.accessToken });
    const nobody = await p.http.get('/api/v1/pets/0190a5e2-0000-7000-8000-000000000000', {
      token: stranger.accessToken,
    });
    expect({ status: mine.status, code: mine.body.code, detail: mine.body.detail }).toEqual({
      status: nobody.status,
      code: nobody.body.code,
      detail: nobody.body.detail,
    });
  });

  it('do not see it in their lists, even the deleted one', async () => {
    expect((await p.http.get('/api/v1/pets', { token: stranger.accessToken })).body.items).toEqual([]);
    expect((await p.http.get('/api/v1/pets?deleted=true', { token: stranger.accessToken })).body.items).toEqual([]);
  });

  it('changed nothing for the owner', async () => {
    const t = { token: owner.accessToken };
    expect((await p.http.get(`/api/v1/pets/${petId}`, t)).body).toEqual(ownerViewBefore);
    const records = await p.http.get(`/api/v1/pets/${petId}/medical-records`, t);
    expect(records.body.items.map((r: { id: string; title: string }) => [r.id, r.title])).toEqual([
      [recordId, 'Rabies'],
    ]);
    expect((await p.http.get(`/api/v1/pets/${deletedPetId}`, t)).status).toBe(404);
    expect((await p.http.get('/api/v1/pets?deleted=true', t)).body.items.map((x: { id: string }) => x.id)).toEqual([
      deletedPetId,
    ]);
  });

  it("a record or photo ID is not reachable through the stranger's own pet either", async () => {
    const t = { token: stranger.accessToken };
    const own = (await p.http.post('/api/v1/pets', { name: 'Mine', species: 'dog' }, t)).body.id;
    expect((await p.http.get(`/api/v1/pets/${own}/medical-records/${recordId}`, t)).status).toBe(404);
    expect((await p.http.patch(`/api/v1/pets/${own}/medical-records/${recordId}`, { title: 'x' }, t)).status).toBe(404);
    expect((await p.http.delete(`/api/v1/pets/${own}/medical-records/${recordId}`, t)).status).toBe(404);
    expect((await p.http.get(`/api/v1/pets/${own}/images/${photoId}`, t)).status).toBe(404);
    expect((await p.http.patch(`/api/v1/pets/${own}/images/${photoId}`, { isPrimary: true }, t)).status).toBe(404);
    expect((await p.http.delete(`/api/v1/pets/${own}/images/${photoId}`, t)).status).toBe(404);
    expect(
      (await p.http.get(`/api/v1/pets/${petId}/images`, { token: owner.accessToken })).body.items.map(
        (x: { id: string }) => x.id,
      ),
    ).toEqual([photoId]);
  });
});
