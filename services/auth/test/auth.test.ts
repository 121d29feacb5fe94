import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { SignJWT, generateKeyPair, importJWK, exportJWK, type JWK } from 'jose';
import { createHmac } from 'node:crypto';
import { eventually } from '@petpro/kit/testing';
import { startPlatform, TEST_SECRET, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser, login, loginAdmin, verificationToken } from '../../../test/users.ts';
import { KeyBox } from '../src/shared/crypto.ts';

let p: Platform;

beforeAll(async () => {
  p = await startPlatform({ databaseUrl: inject('databaseUrl'), services: ['auth', 'user'] });
});
afterAll(async () => {
  await p?.stop();
});

const me = (token: string) => p.http.get('/api/v1/auth/me', { token });

describe('account lifecycle through the gateway', () => {
  it('register → mail → verify → login → me → refresh → logout', async () => {
    const email = `Budi.${Date.now()}@Example.TEST `;
    const reg = await p.http.post('/api/v1/auth/register', {
      email,
      password: 'kucing oranye di sofa',
      name: 'Budi',
      phone: '0812-3456-7890',
    });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ email: email.trim().toLowerCase(), emailVerified: false, roles: ['pet_owner'] });

    const normalised = email.trim().toLowerCase();
    const mail = await p.smtp.waitFor(normalised);
    expect(mail.subject).toMatch(/Konfirmasi/); // Bahasa Indonesia by default
    expect(mail.text).toContain(`${p.url}/verify-email?token=`);

    const early = await p.http.post('/api/v1/auth/login', { email: normalised, password: 'kucing oranye di sofa' });
    expect(early.status).toBe(403);
    expect(early.body.code).toBe('email_not_verified');

    const token = verificationToken(mail.text);
    expect((await p.http.post('/api/v1/auth/verify-email', { token })).status).toBe(200);
    const again = await p.http.post('/api/v1/auth/verify-email', { token });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('invalid_token');

    const res = await p.http.post(
      '/api/v1/auth/login',
      { email: normalised, password: 'kucing oranye di sofa', deviceId: 'test-phone' },
      {
        headers: {
          'user-agent':
            'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) ' +
            'Chrome/124.0 Mobile Safari/537.36',
        },
      },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(res.body.refreshToken.length).toBeGreaterThanOrEqual(22);

    const who = await me(res.body.accessToken);
    expect(who.status).toBe(200);
    expect(who.body.roles).toEqual(['pet_owner']);
    expect(who.body.permissions).toContain('pet:write:own');
    expect(who.body.mfa).toEqual({ enabled: false, methods: [], backupCodesRemaining: 0 });

    const sessions = await p.http.get('/api/v1/auth/sessions', { token: res.body.accessToken });
    expect(sessions.body.items[0]).toMatchObject({
      current: true,
      browser: 'Chrome 124',
      os: 'Android 14',
      device: 'mobile',
      deviceId: 'test-phone',
    });

    const r1 = await p.http.post('/api/v1/auth/refresh', { refreshToken: res.body.refreshToken });
    expect(r1.status).toBe(200);
    expect(r1.body.refreshToken).not.toBe(res.body.refreshToken);
    expect((await me(r1.body.accessToken)).status).toBe(200);

    expect((await p.http.post('/api/v1/auth/logout', undefined, { token: r1.body.accessToken })).status).toBe(204);
    // The auth service refuses a revoked session's token at once; other routes within seconds (the gateway).
    const right = await me(r1.body.accessToken);
    expect(right.status).toBe(401);
    expect(right.body.code).toBe('session_revoked');
    await eventually(
      async () => (await p.http.get('/api/v1/users/me', { token: r1.body.accessToken })).status === 401,
      5_000,
    );
    expect((await p.http.post('/api/v1/auth/refresh', { refreshToken: r1.body.refreshToken })).status).toBe(401);
  });

  it('a refresh token used twice is refused and its session dies', async () => {
    const u = await createVerifiedUser(p);
    const first = await p.http.post('/api/v1/auth/refresh', { refreshToken: u.refreshToken });
    expect(first.status).toBe(200);
    const replay = await p.http.post('/api/v1/auth/refresh', { refreshToken: u.refreshToken });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('refresh_token_reused');
    // The thief's rotated token is dead too, and the access token stops working within 5 s.
    expect((await p.http.post('/api/v1/auth/refresh', { refreshToken: first.body.refreshToken })).status).toBe(401);
    await eventually(async () => (await me(first.body.accessToken)).status === 401, 5_000);
  });

  it('a password reset revokes every session', async () => {
    const u = await createVerifiedUser(p);
    const second = await login(p, u.email, u.password);
    const forgot = await p.http.post('/api/v1/auth/password/forgot', { email: u.email });
    expect(forgot.status).toBe(202);
    const mail = await p.smtp.waitFor(u.email, (m) => /sandi|password/i.test(m.subject) && m.text.includes('token='));
    const reset = await p.http.post('/api/v1/auth/password/reset', {
      token: verificationToken(mail.text),
      password: 'sebuah kata sandi baru',
    });
    expect(reset.status).toBe(204);
    for (const t of [u, second]) {
      await eventually(async () => (await me(t.accessToken)).status === 401, 5_000);
      expect((await p.http.post('/api/v1/auth/refresh', { refreshToken: t.refreshToken })).status).toBe(401);
    }
    expect((await p.http.post('/api/v1/auth/login', { email: u.email, password: u.password })).status).toBe(401);
    expect(
      (await p.http.post('/api/v1/auth/login', { email: u.email, password: 'sebuah kata sandi baru' })).status,
    ).toBe(200);
  });

  it('changing the password needs the current one and revokes the other sessions', async () => {
    const u = await createVerifiedUser(p);
    const other = await login(p, u.email, u.password);
    const wrong = await p.http.post(
      '/api/v1/auth/password/change',
      { currentPassword: 'not-it-at-all', newPassword: 'yet another passphrase' },
      { token: u.accessToken },
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].field).toBe('currentPassword');
    const ok = await p.http.post(
      '/api/v1/auth/password/change',
      { currentPassword: u.password, newPassword: 'yet another passphrase' },
      { token: u.accessToken },
    );
    expect(ok.status).toBe(204);
    await eventually(async () => (await me(other.accessToken)).status === 401, 5_000);
    expect((await me(u.accessToken)).status).toBe(200);
  });

  it('lists, revokes one and revokes all other sessions', async () => {
    const u = await createVerifiedUser(p);
    const b = await login(p, u.email, u.password);
    const c = await login(p, u.email, u.password);
    const list = await p.http.get('/api/v1/auth/sessions', { token: u.accessToken });
    expect(list.body.items).toHaveLength(3);
    const bSession = (await me(b.accessToken)).body.sessionId;
    expect((await p.http.delete(`/api/v1/auth/sessions/${bSession}`, { token: u.accessToken })).status).toBe(204);
    await eventually(async () => (await me(b.accessToken)).status === 401, 5_000);
    const others = await p.http.delete('/api/v1/auth/sessions', { token: u.accessToken });
    expect(others.body).toEqual({ revoked: 1 });
    await eventually(async () => (await me(c.accessToken)).status === 401, 5_000);
    expect((await me(u.accessToken)).status).toBe(200);
    // Someone else's session id is not found.
    const stranger = await createVerifiedUser(p);
    expect(
      (
        await p.http.delete(`/api/v1/auth/sessions/${(await me(u.accessToken)).body.sessionId}`, {
          token: stranger.accessToken,
        })
      ).status,
    ).toBe(404);
  });
});

describe('no user enumeration', () => {
  it('register, forgot and resend answer the same for a known and an unknown email', async () => {
    const u = await createVerifiedUser(p);
    const dup = await p.http.post('/api/v1/auth/register', {
      email: u.email,
      password: 'another long passphrase',
      name: 'Someone',
    });
    const fresh = await p.http.post('/api/v1/auth/register', {
      email: `new-${Date.now()}@example.test`,
      password: 'another long passphrase',
      name: 'Someone',
    });
    expect(dup.status).toBe(201);
    expect(Object.keys(dup.body).sort()).toEqual(Object.keys(fresh.body).sort());
    expect(dup.body.emailVerified).toBe(false);
    // The real owner is told by mail instead.
    await p.smtp.waitFor(u.email, (m) => /mencoba mendaftar|tried to register/i.test(m.subject));

    for (const path of ['/api/v1/auth/password/forgot', '/api/v1/auth/resend-verification']) {
      const known = await p.http.post(path, { email: u.email });
      const unknown = await p.http.post(path, { email: `nobody-${Date.now()}@example.test` });
      expect(known.status).toBe(202);
      expect(unknown.status).toBe(202);
      expect(unknown.body).toEqual(known.body);
    }
  });

  it('a wrong password and an unknown email get the same answer in similar time', async () => {
    const u = await createVerifiedUser(p);
    const time = async (email: string) => {
      const t = performance.now();
      const r = await p.http.post('/api/v1/auth/login', { email, password: 'definitely wrong 1' });
      return { ms: performance.now() - t, r };
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i++) {
      const a = await time(u.email);
      const b = await time(`ghost-${i}-${Date.now()}@example.test`);
      expect(a.r.status).toBe(401);
      expect(b.r.status).toBe(401);
      expect({ ...a.r.body, requestId: undefined }).toEqual({ ...b.r.body, requestId: undefined });
      known.push(a.ms);
      unknown.push(b.ms);
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    // Both paths run one argon2id verification; the medians stay within a small factor.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
    expect(median(known)).toBeGreaterThan(median(unknown) * 0.5);
  });
});

describe('brute force', () => {
  const lockTitle =
    'locks an account after repeated failures with 429 and Retry-After, refusing even the right password';
  it(lockTitle, async () => {
    const u = await createVerifiedUser(p);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof p.http.post<{ code: string }>>> | undefined;
    for (let i = 0; i < 10; i++) {
      last = await p.http.post('/api/v1/auth/login', { email: u.email, password: `wrong password ${i}` });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429, 429, 429, 429]);
    expect(last!.body.code).toBe('account_locked');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    const right = await p.http.post('/api/v1/auth/login', { email: u.email, password: u.password });
    expect(right.status).toBe(429);
    // An unknown address locks the same way, so a lock does not reveal that an account exists.
    const ghost = `ghost-lock-${Date.now()}@example.test`;
    const ghostStatuses: number[] = [];
    for (let i = 0; i < 6; i++)
      ghostStatuses.push((await p.http.post('/api/v1/auth/login', { email: ghost, password: `x-wrong-${i}` })).status);
    expect(ghostStatuses).toEqual(statuses.slice(0, 6));
  });
});

describe('token verification pins algorithm, issuer and audience', () => {
  let user: Awaited<ReturnType<typeof createVerifiedUser>>;
  let realKey: { kid: string; jwk: JWK; publicJwk: JWK };

  beforeAll(async () => {
    user = await createVerifiedUser(p);
    const client = new pg.Client({ connectionString: p.dbUrls.auth });
    await client.connect();
    const row = (
      await client.query('select kid, public_jwk, private_jwk_enc from signing_keys where retired_at is null')
    ).rows[0];
    await client.end();
    realKey = {
      kid: row.kid,
      jwk: JSON.parse(new KeyBox(TEST_SECRET).open(row.private_jwk_enc)),
      publicJwk: row.public_jwk,
    };
  });

  const claims = () => ({ sid: 'x', roles: ['admin'], perms: ['*'] });
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

  it('refuses alg none', async () => {
    const payload = {
      sub: user.userId,
      sid: 'x',
      roles: ['admin'],
      iss: 'petpro-auth',
      aud: 'petpro',
      exp: Math.floor(Date.now() / 1000) + 600,
    };
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
    expect((await me(token)).status).toBe(401);
  });

  it('refuses HS256 signed with the public key', async () => {
    const header = b64({ alg: 'HS256', typ: 'JWT', kid: realKey.kid });
    const payload = b64({
      sub: user.userId,
      sid: 'x',
      roles: ['admin'],
      iss: 'petpro-auth',
      aud: 'petpro',
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    for (const secret of [JSON.stringify(realKey.publicJwk), Buffer.from(String(realKey.publicJwk.x), 'base64url')]) {
      const sig = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      expect((await me(`${header}.${payload}.${sig}`)).status).toBe(401);
    }
  });

  it('refuses a token signed with a foreign key, even one naming the real kid', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'EdDSA', kid: realKey.kid })
      .setSubject(user.userId)
      .setIssuer('petpro-auth')
      .setAudience('petpro')
      .setExpirationTime('10m')
      .sign(privateKey);
    expect((await me(token)).status).toBe(401);
  });

  it('refuses the real key with a wrong audience, a wrong issuer, or an expired time', async () => {
    const key = await importJWK(realKey.jwk, 'EdDSA');
    const sid = JSON.parse(Buffer.from(user.accessToken.split('.')[1]!, 'base64url').toString()).sid as string;
    const sign = (aud: string, iss: string, exp: number) =>
      new SignJWT({ sid, roles: ['pet_owner'] })
        .setProtectedHeader({ alg: 'EdDSA', kid: realKey.kid })
        .setSubject(user.userId)
        .setIssuer(iss)
        .setAudience(aud)
        .setIssuedAt(exp - 900)
        .setExpirationTime(exp)
        .sign(key);
    const now = Math.floor(Date.now() / 1000);
    // control: a correct token passes
    expect((await me(await sign('petpro', 'petpro-auth', now + 600))).status).toBe(200);
    expect((await me(await sign('someone-else', 'petpro-auth', now + 600))).status).toBe(401);
    expect((await me(await sign('petpro', 'evil-issuer', now + 600))).status).toBe(401);
    const expired = await me(await sign('petpro', 'petpro-auth', now - 60));
    expect(expired.status).toBe(401);
    expect(expired.headers.get('content-type')).toContain('application/problem+json');
  });

  it('keeps the previous public key published after a rotation, so its tokens still work', async () => {
    const admin = await loginAdmin(p);
    const before = await p.http.get('/.well-known/jwks.json');
    expect(before.status).toBe(200);
    const rotated = await p.http.post('/api/v1/admin/keys/rotate', undefined, { token: admin.accessToken });
    expect(rotated.status).toBe(200);
    expect(rotated.body.keys.map((k: JWK) => k.kid)).toEqual(
      expect.arrayContaining(before.body.keys.map((k: JWK) => k.kid)),
    );
    expect(rotated.body.keys.length).toBe(before.body.keys.length + 1);
    // The old token still verifies; a new login is signed with the new key (the gateway refetches on the unknown kid).
    expect((await me(user.accessToken)).status).toBe(200);
    const fresh = await login(p, user.email, user.password);
    const kid = JSON.parse(Buffer.from(fresh.accessToken.split('.')[0]!, 'base64url').toString()).kid;
    expect(kid).not.toBe(realKey.kid);
    expect((await me(fresh.accessToken)).status).toBe(200);
    void exportJWK;
  });
});

describe('RBAC and admin tools', () => {
  it('a non-admin gets 403 on every admin route', async () => {
    const u = await createVerifiedUser(p);
    const routes: Array<[string, string]> = [
      ['GET', '/api/v1/admin/roles'],
      ['POST', '/api/v1/admin/roles'],
      ['PATCH', '/api/v1/admin/roles/vendor'],
      ['DELETE', '/api/v1/admin/roles/vendor'],
      ['GET', '/api/v1/admin/permissions'],
      ['GET', '/api/v1/admin/users?email=a'],
      ['PUT', `/api/v1/admin/users/${u.userId}/roles`],
      ['POST', `/api/v1/admin/users/${u.userId}/logout`],
      ['GET', '/api/v1/admin/audit'],
      ['POST', '/api/v1/admin/keys/rotate'],
      ['GET', '/api/v1/admin/services'],
      ['GET', '/api/v1/admin/onboarding'],
    ];
    for (const [method, path] of routes) {
      const r = await p.http.call(method, path, { token: u.accessToken, body: method === 'GET' ? undefined : {} });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(
        (await p.http.call(method, path, { body: method === 'GET' ? undefined : {} })).status,
        `${method} ${path} anonymous`,
      ).toBe(401);
    }
  });

  it('an admin creates a role with a permission, assigns it, and the next token carries it', async () => {
    const admin = await loginAdmin(p);
    const u = await createVerifiedUser(p);
    const created = await p.http.post(
      '/api/v1/admin/roles',
      { name: 'support_agent', description: 'Helps customers', permissions: ['admin:audit'] },
      { token: admin.accessToken },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'support_agent', permissions: ['admin:audit'], builtin: false });
    expect(
      (
        await p.http.post(
          '/api/v1/admin/roles',
          { name: 'support_agent', permissions: [] },
          { token: admin.accessToken },
        )
      ).status,
    ).toBe(409);
    expect(
      (
        await p.http.post(
          '/api/v1/admin/roles',
          { name: 'bad_role', permissions: ['no:such'] },
          { token: admin.accessToken },
        )
      ).status,
    ).toBe(400);

    const found = await p.http.get(`/api/v1/admin/users?email=${encodeURIComponent(u.email)}`, {
      token: admin.accessToken,
    });
    expect(found.body.items.map((x: { id: string }) => x.id)).toEqual([u.userId]);
    const set = await p.http.put(
      `/api/v1/admin/users/${u.userId}/roles`,
      { roles: ['pet_owner', 'support_agent'] },
      { token: admin.accessToken },
    );
    expect(set.status).toBe(200);
    expect(set.body.permissions).toContain('admin:audit');

    const next = await login(p, u.email, u.password);
    const claims = JSON.parse(Buffer.from(next.accessToken.split('.')[1]!, 'base64url').toString());
    expect(claims.roles).toEqual(['pet_owner', 'support_agent']);
    expect(claims.perms).toContain('admin:audit');
    expect((await me(next.accessToken)).body.roles).toContain('support_agent');

    const patched = await p.http.patch(
      '/api/v1/admin/roles/support_agent',
      { permissions: ['admin:audit', 'admin:users'] },
      { token: admin.accessToken },
    );
    expect(patched.body.permissions).toEqual(['admin:audit', 'admin:users']);
    expect((await p.http.delete('/api/v1/admin/roles/admin', { token: admin.accessToken })).status).toBe(409);
    const perms = await p.http.get('/api/v1/admin/permissions', { token: admin.accessToken });
    expect(perms.body.items.map((x: { name: string }) => x.name)).toContain('clinic:write:own');
  });

  it('a forced logout makes the user’s current access token fail within 5 s', async () => {
    const admin = await loginAdmin(p);
    const u = await createVerifiedUser(p);
    expect((await me(u.accessToken)).status).toBe(200);
    const started = Date.now();
    const r = await p.http.post(`/api/v1/admin/users/${u.userId}/logout`, undefined, { token: admin.accessToken });
    expect(r.body).toEqual({ revoked: 1 });
    await eventually(async () => (await me(u.accessToken)).status === 401, 5_000, 100);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await p.http.post('/api/v1/auth/refresh', { refreshToken: u.refreshToken })).status).toBe(401);
  });

  it('records security events in the audit trail', async () => {
    const admin = await loginAdmin(p);
    const u = await createVerifiedUser(p);
    await p.http.post('/api/v1/auth/login', { email: u.email, password: 'a wrong one here' });
    const events = await p.http.get(`/api/v1/admin/audit?userId=${u.userId}`, { token: admin.accessToken });
    const types = events.body.items.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['register', 'email_verified', 'login_ok', 'login_failed']));
    expect(events.body.items.find((e: { type: string }) => e.type === 'login_failed').ip).toBeTruthy();
  });
});

describe('validation', () => {
  it('refuses weak passwords, bad emails and unknown fields with problem+json naming the field', async () => {
    const weak = await p.http.post('/api/v1/auth/register', {
      email: 'weak@example.test',
      password: 'password123',
      name: 'W',
    });
    expect(weak.status).toBe(400);
    expect(weak.body.errors[0]).toMatchObject({ field: 'password', code: 'password_too_common' });
    const short = await p.http.post('/api/v1/auth/register', {
      email: 'short@example.test',
      password: 'abc',
      name: 'W',
    });
    expect(short.body.errors[0].code).toBe('password_too_short');
    const bad = await p.http.post('/api/v1/auth/register', {
      email: 'not-an-email',
      password: 'a fine passphrase',
      name: 'W',
      admin: true,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['admin', 'email']);
    expect(bad.body.errors.find((e: { field: string }) => e.field === 'admin').code).toBe('unrecognized_key');
    const malformed = await p.http.call('POST', '/api/v1/auth/login', {
      raw: '{"email": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('invalid_json');
  });

  // Regression: a cursor that did not decode to a date and a uuid reached PostgreSQL as an invalid
  // date or uuid, and the admin user search answered 500.
  it('refuses a malformed admin user-search cursor with 400 invalid_cursor, not 500', async () => {
    const admin = await loginAdmin(p);
    const cursors = [
      'eHx5',
      Buffer.from('2024-01-01T00:00:00Z|not-a-uuid').toString('base64url'),
      Buffer.from('yesterday|0190a0a0-0000-7000-8000-000000000000').toString('base64url'),
      '%%%',
    ];
    for (const cursor of cursors) {
      const r = await p.http.get(`/api/v1/admin/users?cursor=${encodeURIComponent(cursor)}`, {
        token: admin.accessToken,
      });
      expect(r.status, cursor).toBe(400);
      expect(r.body.code, cursor).toBe('invalid_cursor');
    }
    const first = await p.http.get('/api/v1/admin/users?limit=1', { token: admin.accessToken });
    expect(first.status).toBe(200);
    if (first.body.nextCursor)
      expect(
        (await p.http.get(`/api/v1/admin/users?limit=1&cursor=${first.body.nextCursor}`, { token: admin.accessToken }))
          .status,
      ).toBe(200);
  });
});
