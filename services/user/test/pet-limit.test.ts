import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser } from '../../../test/users.ts';

let p: Platform;

beforeAll(async () => {
  p = await startPlatform({
    databaseUrl: inject('databaseUrl'),
    services: ['auth', 'user'],
    env: { PETS_PER_USER_MAX: '3' },
  });
});
afterAll(async () => {
  await p?.stop();
});

// Regression: the limit was checked before the insert without a lock, so concurrent creates could exceed it.
describe('the pets-per-account limit', () => {
  it('holds under concurrent creates and restores', async () => {
    const u = await createVerifiedUser(p);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        p.http.post('/api/v1/pets', { name: `Pet ${i}`, species: 'cat' }, { token: u.accessToken }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(r.body.code).toBe('pet_limit_reached');
    expect((await p.http.get('/api/v1/pets', { token: u.accessToken })).body.items).toHaveLength(3);

    // Delete one, add another: restoring the deleted one would make four.
    const victim = results.find((r) => r.status === 201)!.body.id;
    expect((await p.http.delete(`/api/v1/pets/${victim}`, { token: u.accessToken })).status).toBe(204);
    expect(
      (await p.http.post('/api/v1/pets', { name: 'Newcomer', species: 'dog' }, { token: u.accessToken })).status,
    ).toBe(201);
    const restore = await p.http.post(`/api/v1/pets/${victim}/restore`, undefined, { token: u.accessToken });
    expect(restore.status).toBe(409);
    expect(restore.body.code).toBe('pet_limit_reached');
  });
});
