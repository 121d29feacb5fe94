import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import sharp from 'sharp';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser, type TestUser } from '../../../test/users.ts';
import { download, form, hugePng, isWebp, jpeg, png, upload } from '../../../test/media.ts';

let p: Platform;
let u: TestUser;

beforeAll(async () => {
  p = await startPlatform({ databaseUrl: inject('databaseUrl'), services: ['auth', 'user'] });
  u = await createVerifiedUser(p);
});
afterAll(async () => {
  await p?.stop();
});

describe('profile', () => {
  it('is created on first access from the token, empty, at 0 %', async () => {
    const res = await p.http.get('/api/v1/users/me', { token: u.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      userId: u.userId,
      email: u.email,
      displayName: null,
      phone: null,
      avatarUrl: null,
      avatar: null,
    });
    expect(res.body.completeness).toEqual({
      percent: 0,
      missing: ['displayName', 'phone', 'address', 'city', 'bio', 'avatar', 'pets'],
    });
  });

  it('needs a token', async () => {
    const res = await p.http.get('/api/v1/users/me');
    expect(res.status).toBe(401);
  });

  it('rises to 100 % as the user fills it, adds an avatar and a pet', async () => {
    const patched = await p.http.patch(
      '/api/v1/users/me',
      {
        displayName: 'Budi Santoso',
        phone: '0812-3456-7890',
        address: 'Jl. Merdeka No. 1',
        city: 'Bandung',
        bio: 'Dua kucing, satu anjing.',
      },
      { token: u.accessToken },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.phone).toBe('+6281234567890');
    expect(patched.body.completeness).toEqual({ percent: 65, missing: ['avatar', 'pets'] });

    const avatar = await upload(
      p,
      'PUT',
      '/api/v1/users/me/avatar',
      u.accessToken,
      form(await jpeg(), 'me.jpg', 'image/jpeg'),
    );
    expect(avatar.status).toBe(200);
    expect((await p.http.get('/api/v1/users/me', { token: u.accessToken })).body.completeness).toEqual({
      percent: 80,
      missing: ['pets'],
    });

    const pet = await p.http.post('/api/v1/pets', { name: 'Mochi', species: 'cat' }, { token: u.accessToken });
    expect(pet.status).toBe(201);
    const me = await p.http.get('/api/v1/users/me', { token: u.accessToken });
    expect(me.body.completeness).toEqual({ percent: 100, missing: [] });
    expect(me.body.avatarUrl).toBe(avatar.body.url);
  });

  it('normalises Indonesian phone formats to E.164 and clears fields with null', async () => {
    for (const [input, e164] of [
      ['+62 812 3456 7890', '+6281234567890'],
      ['62812-3456-789', '+628123456789'],
      ['(021) 555-1234', '+62215551234'],
    ] as const) {
      const res = await p.http.patch('/api/v1/users/me', { phone: input }, { token: u.accessToken });
      expect(res.body.phone).toBe(e164);
    }
    const cleared = await p.http.patch('/api/v1/users/me', { bio: null }, { token: u.accessToken });
    expect(cleared.body.bio).toBeNull();
    expect(cleared.body.completeness.missing).toEqual(['bio']);
  });

  it('names each bad field in problem+json and refuses unknown fields', async () => {
    const res = await p.http.patch(
      '/api/v1/users/me',
      { phone: '12ab', displayName: '', avatarUrl: 'https://evil.example/x.png', city: 'x'.repeat(101) },
      { token: u.accessToken },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('validation_failed');
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['phone', 'displayName', 'city']));
    expect(res.body.errors).toContainEqual(expect.objectContaining({ field: 'avatarUrl', code: 'unrecognized_key' }));
  });
});

describe('avatar', () => {
  it(
    'is stored as 64, 256 and 1024 px WebP without metadata, ' + 'served through the gateway with long cache headers',
    async () => {
      const res = await upload(
        p,
        'PUT',
        '/api/v1/users/me/avatar',
        u.accessToken,
        form(await jpeg(1600, 1200, { exifCopyright: 'secret-location' }), 'portrait.jpg', 'image/jpeg'),
      );
      expect(res.status).toBe(200);
      expect(res.body.variants.map((v: { size: number }) => v.size)).toEqual([64, 256, 1024]);
      expect(res.body.url).toBe(res.body.variants[1].url);
      for (const v of res.body.variants as Array<{ size: number; width: number; height: number; url: string }>) {
        expect(v.url.startsWith(`${p.url}/api/v1/media/user/avatars/`)).toBe(true);
        const img = await download(p, v.url);
        expect(img.status).toBe(200);
        expect(img.headers.get('content-type')).toBe('image/webp');
        expect(img.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect(isWebp(img.bytes)).toBe(true);
        const meta = await sharp(img.bytes).metadata();
        expect(meta.format).toBe('webp');
        // Avatars are cropped square to the box size.
        expect([meta.width, meta.height]).toEqual([v.size, v.size]);
        expect([v.width, v.height]).toEqual([v.size, v.size]);
        expect(meta.exif).toBeUndefined();
        expect(img.bytes.includes(Buffer.from('secret-location'))).toBe(false);
      }
    },
  );

  it('accepts PNG and WebP, and never enlarges a small image', async () => {
    const fromPng = await upload(
      p,
      'PUT',
      '/api/v1/users/me/avatar',
      u.accessToken,
      form(await png(300, 200), 'a.png', 'image/png'),
    );
    expect(fromPng.status).toBe(200);
    expect(fromPng.body.variants.map((v: { width: number; height: number }) => [v.width, v.height])).toEqual([
      [64, 64],
      [200, 200],
      [200, 200],
    ]);
    const webp = await sharp(await png(500, 500))
      .webp()
      .toBuffer();
    const fromWebp = await upload(
      p,
      'PUT',
      '/api/v1/users/me/avatar',
      u.accessToken,
      form(webp, 'a.webp', 'image/webp'),
    );
    expect(fromWebp.status).toBe(200);
  });

  it('replacing the avatar removes the old files', async () => {
    const first = await upload(
      p,
      'PUT',
      '/api/v1/users/me/avatar',
      u.accessToken,
      form(await jpeg(800, 800), 'one.jpg', 'image/jpeg'),
    );
    const second = await upload(
      p,
      'PUT',
      '/api/v1/users/me/avatar',
      u.accessToken,
      form(await jpeg(900, 900), 'two.jpg', 'image/jpeg'),
    );
    expect(second.status).toBe(200);
    expect(second.body.id).not.toBe(first.body.id);
    for (const v of first.body.variants) expect((await download(p, v.url)).status).toBe(404);
    for (const v of second.body.variants) expect((await download(p, v.url)).status).toBe(200);
  });

  it('concurrent uploads replace one another: one avatar remains, the others’ files are removed', async () => {
    const img = await jpeg(300, 300);
    const results = await Promise.all(
      [1, 2, 3].map(() => upload(p, 'PUT', '/api/v1/users/me/avatar', u.accessToken, form(img, 'c.jpg', 'image/jpeg'))),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const current = (await p.http.get('/api/v1/users/me', { token: u.accessToken })).body.avatar;
    const losers = results.filter((r) => r.body.id !== current.id);
    expect(losers).toHaveLength(2);
    for (const r of losers) for (const v of r.body.variants) expect((await download(p, v.url)).status).toBe(404);
    for (const v of current.variants) expect((await download(p, v.url)).status).toBe(200);
  });

  it('deleting the avatar removes its files and the profile shows none', async () => {
    const current = await upload(
      p,
      'PUT',
      '/api/v1/users/me/avatar',
      u.accessToken,
      form(await jpeg(400, 400), 'x.jpg', 'image/jpeg'),
    );
    const del = await p.http.delete('/api/v1/users/me/avatar', { token: u.accessToken });
    expect(del.status).toBe(204);
    for (const v of current.body.variants) expect((await download(p, v.url)).status).toBe(404);
    const me = await p.http.get('/api/v1/users/me', { token: u.accessToken });
    expect(me.body.avatar).toBeNull();
    expect(me.body.completeness.missing).toContain('avatar');
    expect((await p.http.delete('/api/v1/users/me/avatar', { token: u.accessToken })).status).toBe(204);
  });

  it('a text file renamed .jpg gets 415 problem+json', async () => {
    const res = await upload(
      p,
      'PUT',
      '/api/v1/users/me/avatar',
      u.accessToken,
      form('just some text, not an image at all\n'.repeat(50), 'holiday.jpg', 'image/jpeg'),
    );
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('unsupported_media_type');
  });

  it('a GIF (a real image of another type) gets 415 too', async () => {
    const gif = await sharp(await png(20, 20))
      .gif()
      .toBuffer();
    const res = await upload(p, 'PUT', '/api/v1/users/me/avatar', u.accessToken, form(gif, 'a.png', 'image/png'));
    expect(res.status).toBe(415);
  });

  it('a 20 MiB image gets 413 problem+json', async () => {
    const big = await hugePng(20 * 1_048_576);
    const res = await upload(p, 'PUT', '/api/v1/users/me/avatar', u.accessToken, form(big, 'big.png', 'image/png'));
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('a file just over 5 MiB gets 413 from the service itself', async () => {
    const big = await hugePng(5 * 1_048_576 + 100_000);
    const res = await upload(p, 'PUT', '/api/v1/users/me/avatar', u.accessToken, form(big, 'big.png', 'image/png'));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it('a truncated JPEG (right magic bytes, broken body) gets 422', async () => {
    const broken = (await jpeg(600, 600)).subarray(0, 400);
    const res = await upload(
      p,
      'PUT',
      '/api/v1/users/me/avatar',
      u.accessToken,
      form(broken, 'broken.jpg', 'image/jpeg'),
    );
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('image_unreadable');
  });

  it('a missing file, another field name or JSON get clear errors', async () => {
    const none = await upload(
      p,
      'PUT',
      '/api/v1/users/me/avatar',
      u.accessToken,
      form(await jpeg(100, 100), 'a.jpg', 'image/jpeg', {}, 'photo'),
    );
    expect(none.status).toBe(400);
    expect(none.body.errors[0].field).toBe('photo');
    const empty = new FormData();
    empty.append('note', 'no file');
    const missing = await upload(p, 'PUT', '/api/v1/users/me/avatar', u.accessToken, empty);
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'file' })]);
    const json = await p.http.put('/api/v1/users/me/avatar', { url: 'x' }, { token: u.accessToken });
    expect(json.status).toBe(415);
  });

  it('answers a conditional GET with 304 and HEAD with the headers only', async () => {
    const res = await upload(
      p,
      'PUT',
      '/api/v1/users/me/avatar',
      u.accessToken,
      form(await jpeg(300, 300), 'a.jpg', 'image/jpeg'),
    );
    expect(res.status).toBe(200);
    const url = new URL(res.body.url as string, p.url);
    const first = await fetch(url);
    const etag = first.headers.get('etag');
    const size = (await first.arrayBuffer()).byteLength;
    expect(etag).toBe(`"${url.pathname.split('/').pop()}"`);
    const again = await fetch(url, { headers: { 'if-none-match': etag! } });
    expect([again.status, again.headers.get('cache-control'), await again.text()]).toEqual([
      304,
      'public, max-age=31536000, immutable',
      '',
    ]);
    // Another tag (a forged one included) gets the file again.
    const other = await fetch(url, { headers: { 'if-none-match': '"something-else"' } });
    expect([other.status, (await other.arrayBuffer()).byteLength]).toEqual([200, size]);
    // HEAD through the gateway: the upstream's headers (and the gateway's own), no body.
    const head = await fetch(url, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-type'), head.headers.get('content-length')]).toEqual([
      200,
      'image/webp',
      String(size),
    ]);
    expect(head.headers.get('etag')).toBe(etag);
    expect(head.headers.get('x-content-type-options')).toBe('nosniff');
    expect(head.headers.get('x-request-id')).toBeTruthy();
    expect(await head.text()).toBe('');
  });

  it('unknown media names are 404, not files from elsewhere', async () => {
    for (const path of [
      '/api/v1/media/user/avatars/nope.webp',
      '/api/v1/media/user/avatars/..%2F..%2Fetc%2Fpasswd',
      '/api/v1/media/user/pets/00000000-0000-4000-8000-000000000000-256.webp',
    ]) {
      expect((await p.http.get(path)).status).toBe(404);
    }
  });
});

describe('OpenAPI', () => {
  it('documents every public endpoint from the zod schemas, and no internal one', async () => {
    const res = await fetch(`${p.services.user!.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(ops).toEqual(
      expect.arrayContaining([
        'GET /api/v1/users/me',
        'PATCH /api/v1/users/me',
        'PUT /api/v1/users/me/avatar',
        'DELETE /api/v1/users/me/avatar',
        'GET /api/v1/users/me/preferences',
        'PUT /api/v1/users/me/preferences',
        'GET /api/v1/users/me/favourites',
        'PUT /api/v1/users/me/favourites/{clinicId}',
        'DELETE /api/v1/users/me/favourites/{clinicId}',
        'GET /api/v1/pets',
        'POST /api/v1/pets',
        'GET /api/v1/pets/{id}',
        'PATCH /api/v1/pets/{id}',
        'DELETE /api/v1/pets/{id}',
        'POST /api/v1/pets/{id}/restore',
        'GET /api/v1/pets/{id}/images',
        'POST /api/v1/pets/{id}/images',
        'GET /api/v1/pets/{id}/images/{imageId}',
        'PATCH /api/v1/pets/{id}/images/{imageId}',
        'DELETE /api/v1/pets/{id}/images/{imageId}',
        'GET /api/v1/pets/{id}/medical-records',
        'POST /api/v1/pets/{id}/medical-records',
        'GET /api/v1/pets/{id}/medical-records/{recordId}',
        'PATCH /api/v1/pets/{id}/medical-records/{recordId}',
        'DELETE /api/v1/pets/{id}/medical-records/{recordId}',
      ]),
    );
    expect(ops.some((o) => o.includes('/internal'))).toBe(false);
  });
});
