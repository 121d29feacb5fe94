import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser, login } from '../../../test/users.ts';
import {
  enableTotp,
  loginWithTotp,
  mfaTokenOf,
  startSmsReceiver,
  totpCode,
  type SmsReceiver,
} from '../../../test/mfa.ts';

let p: Platform;
let sms: SmsReceiver;

beforeAll(async () => {
  sms = await startSmsReceiver();
  p = await startPlatform({
    databaseUrl: inject('databaseUrl'),
    services: ['auth'],
    env: { SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: sms.url, MFA_RECOVERY_CHECK_MS: '200' },
  });
});
afterAll(async () => {
  await p?.stop();
  await sms?.close();
});

const me = (token: string) => p.http.get('/api/v1/auth/me', { token });
const verify = (mfaToken: string, method: string, code: string) =>
  p.http.post('/api/v1/auth/mfa/verify', { mfaToken, method, code });

describe('authenticator app (TOTP) through the gateway', () => {
  const totpFlow =
    'setup → enable → logout → login asks for the second factor → a code gives tokens once; the next step passes';
  it(totpFlow, async () => {
    const u = await createVerifiedUser(p);
    const setup = await p.http.post('/api/v1/auth/mfa/totp/setup', undefined, { token: u.accessToken });
    expect(setup.status).toBe(200);
    expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/PetPro:.+secret=[A-Z2-7]+/);
    expect(setup.body.otpauthUri).toContain('algorithm=SHA1&digits=6&period=30');
    expect(setup.body.qrCode).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]{100,}/);
    const secret: string = setup.body.secret;

    // Not on until a valid code comes back.
    expect((await me(u.accessToken)).body.mfa.enabled).toBe(false);
    const wrong = await p.http.post('/api/v1/auth/mfa/totp/enable', { code: '000000' }, { token: u.accessToken });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('invalid_code');
    const on = await p.http.post(
      '/api/v1/auth/mfa/totp/enable',
      { code: totpCode(secret, -1) },
      { token: u.accessToken },
    );
    expect(on.status).toBe(200);
    expect(on.body).toEqual({ enabled: true, methods: ['totp'], backupCodesRemaining: 0 });
    expect((await me(u.accessToken)).body.mfa).toEqual({ enabled: true, methods: ['totp'], backupCodesRemaining: 0 });
    // A second setup while it is on is refused (it would need a step-up first, then 409).
    const again = await p.http.post('/api/v1/auth/mfa/totp/setup', undefined, {
      token: u.accessToken,
      headers: { 'x-mfa-code': totpCode(secret) },
    });
    expect(again.status).toBe(409);

    expect((await p.http.post('/api/v1/auth/logout', undefined, { token: u.accessToken })).status).toBe(204);

    const first = await p.http.post('/api/v1/auth/login', { email: u.email, password: u.password, deviceId: 'hp-1' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ['totp'] });
    expect(first.body.accessToken).toBeUndefined();

    const code = totpCode(secret);
    const ok = await verify(first.body.mfaToken, 'totp', code);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { id: u.userId, email: u.email } });
    expect((await me(ok.body.accessToken)).status).toBe(200);
    const sessions = await p.http.get('/api/v1/auth/sessions', { token: ok.body.accessToken });
    expect(sessions.body.items.find((s: { current: boolean }) => s.current).deviceId).toBe('hp-1');

    // The mfaToken is spent.
    const replayToken = await verify(first.body.mfaToken, 'totp', totpCode(secret, 1));
    expect(replayToken.status).toBe(401);
    expect(replayToken.body.code).toBe('invalid_mfa_token');

    // The same code, with a fresh mfaToken, is refused: a code is accepted once.
    const second = await mfaTokenOf(p, u);
    const replay = await verify(second, 'totp', code);
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('invalid_code');
    // The refused try did not spend the mfaToken: the next step's code passes with it.
    const next = await verify(second, 'totp', totpCode(secret, 1));
    expect(next.status).toBe(200);
    expect(next.body.accessToken).toBeTruthy();
  });

  it('wrong codes count toward the account lockout', async () => {
    const u = await createVerifiedUser(p);
    const secret = await enableTotp(p, u);
    const token = await mfaTokenOf(p, u);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await verify(token, 'totp', '000000')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const locked = await verify(token, 'totp', totpCode(secret));
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('account_locked');
    // The password step is locked too.
    expect((await p.http.post('/api/v1/auth/login', { email: u.email, password: u.password })).status).toBe(429);
  });

  it('refuses forged, oversized and mismatched input without a 500', async () => {
    const u = await createVerifiedUser(p);
    const secret = await enableTotp(p, u);
    const forged = await verify('x'.repeat(43), 'totp', totpCode(secret));
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe('invalid_mfa_token');
    const token = await mfaTokenOf(p, u);
    expect((await verify(token, 'password', '123456')).status).toBe(400);
    expect((await verify(token, 'totp', '1'.repeat(5000))).status).toBe(400);
    expect((await verify(token, 'sms', '123456')).status).toBe(401); // no SMS factor: just wrong
    expect((await verify(token, 'backup_code', 'not-a-code')).status).toBe(401);
    // Another user's code does not meet this challenge.
    const other = await createVerifiedUser(p);
    const otherSecret = await enableTotp(p, other);
    expect((await verify(token, 'totp', totpCode(otherSecret))).status).toBe(401);
  });

  it('an mfaToken dies with the password it followed', async () => {
    const u = await createVerifiedUser(p);
    const secret = await enableTotp(p, u);
    const token = await mfaTokenOf(p, u);
    const change = await p.http.post(
      '/api/v1/auth/password/change',
      { currentPassword: u.password, newPassword: 'Kata-sandi-baru-yang-panjang-1' },
      { token: u.accessToken, headers: { 'x-mfa-method': 'totp', 'x-mfa-code': totpCode(secret) } },
    );
    expect(change.status).toBe(204);
    const res = await verify(token, 'totp', totpCode(secret, 1));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_mfa_token');
  });

  it('turning the authenticator off needs one of its codes', async () => {
    const u = await createVerifiedUser(p);
    const secret = await enableTotp(p, u);
    const wrong = await p.http.delete('/api/v1/auth/mfa/totp', { token: u.accessToken, body: { code: '000000' } });
    expect(wrong.status).toBe(403);
    const off = await p.http.delete('/api/v1/auth/mfa/totp', {
      token: u.accessToken,
      body: { code: totpCode(secret) },
    });
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ enabled: false, methods: [], backupCodesRemaining: 0 });
    const res = await p.http.post('/api/v1/auth/login', { email: u.email, password: u.password });
    expect(res.body.accessToken).toBeTruthy();
  });
});

describe('step-up', () => {
  it('refuses a password change without a second-factor code, and with a wrong one', async () => {
    const u = await createVerifiedUser(p);
    const secret = await enableTotp(p, u);
    const body = { currentPassword: u.password, newPassword: 'Kata-sandi-baru-yang-panjang-2' };
    const bare = await p.http.post('/api/v1/auth/password/change', body, { token: u.accessToken });
    expect(bare.status).toBe(403);
    expect(bare.body).toMatchObject({ code: 'mfa_required', methods: ['totp'] });
    const wrong = await p.http.post('/api/v1/auth/password/change', body, {
      token: u.accessToken,
      headers: { 'x-mfa-code': '000000' },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('invalid_mfa_code');
    // Still the old password.
    expect((await p.http.post('/api/v1/auth/login', { email: u.email, password: u.password })).status).toBe(200);
    const ok = await p.http.post('/api/v1/auth/password/change', body, {
      token: u.accessToken,
      headers: { 'x-mfa-method': 'totp', 'x-mfa-code': totpCode(secret) },
    });
    expect(ok.status).toBe(204);
    // MFA settings too: a new phone for texts needs a code.
    const phone = await p.http.post(
      '/api/v1/auth/mfa/sms/setup',
      { phone: '+6281100000001' },
      { token: u.accessToken },
    );
    expect(phone.status).toBe(403);
    expect(phone.body.code).toBe('mfa_required');
  });

  it('without MFA a password change needs no code', async () => {
    const u = await createVerifiedUser(p);
    const ok = await p.http.post(
      '/api/v1/auth/password/change',
      { currentPassword: u.password, newPassword: 'Kata-sandi-baru-yang-panjang-3' },
      { token: u.accessToken },
    );
    expect(ok.status).toBe(204);
  });
});

describe('backup codes', () => {
  it('ten codes shown once, each works once, a new set kills the old; the owner is mailed', async () => {
    const u = await createVerifiedUser(p, { language: 'en' });
    const none = await p.http.post('/api/v1/auth/mfa/backup-codes', undefined, { token: u.accessToken });
    expect(none.status).toBe(409);
    expect(none.body.code).toBe('mfa_not_enabled');
    const secret = await enableTotp(p, u);
    const bare = await p.http.post('/api/v1/auth/mfa/backup-codes', undefined, { token: u.accessToken });
    expect(bare.status).toBe(403);
    expect(bare.body.code).toBe('mfa_required');
    const made = await p.http.post('/api/v1/auth/mfa/backup-codes', undefined, {
      token: u.accessToken,
      headers: { 'x-mfa-code': totpCode(secret) },
    });
    expect(made.status).toBe(201);
    const codes: string[] = made.body.codes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c.replace(/-/g, '').length).toBeGreaterThanOrEqual(10);
    expect((await me(u.accessToken)).body.mfa).toEqual({
      enabled: true,
      methods: ['totp', 'backup_code'],
      backupCodesRemaining: 10,
    });

    // Stored as keyed hashes only: no code appears in the database.
    const { default: pg } = await import('pg');
    const db = new pg.Client({ connectionString: p.dbUrls.auth });
    await db.connect();
    try {
      const rows = await db.query('select code_hash from mfa_backup_codes where user_id = $1', [u.userId]);
      expect(rows.rowCount).toBe(10);
      const stored = rows.rows.map((r) => r.code_hash as string).join(' ');
      for (const c of codes) expect(stored).not.toContain(c.replace(/-/g, ''));
      const totp = await db.query('select secret_enc from mfa_totp where user_id = $1', [u.userId]);
      expect(totp.rows[0].secret_enc).not.toContain(secret);
    } finally {
      await db.end();
    }

    const used = await verify(await mfaTokenOf(p, u), 'backup_code', codes[0]!.toLowerCase());
    expect(used.status).toBe(200);
    const mail = await p.smtp.waitFor(u.email, (m) => /backup code was used/i.test(m.subject));
    expect(mail.text).toContain('9 unused codes remain');
    const twice = await verify(await mfaTokenOf(p, u), 'backup_code', codes[0]!);
    expect(twice.status).toBe(401);
    expect((await me(used.body.accessToken)).body.mfa.backupCodesRemaining).toBe(9);

    const fresh = await p.http.post('/api/v1/auth/mfa/backup-codes', undefined, {
      token: u.accessToken,
      headers: { 'x-mfa-method': 'backup_code', 'x-mfa-code': codes[1]! },
    });
    expect(fresh.status).toBe(201);
    expect((await verify(await mfaTokenOf(p, u), 'backup_code', codes[2]!)).status).toBe(401);
    expect((await verify(await mfaTokenOf(p, u), 'backup_code', fresh.body.codes[0])).status).toBe(200);
  });
});

describe('admin', () => {
  it("lists a user's sessions and resets their MFA at once, audited; others may not", async () => {
    const admin = await login(p, 'admin@petpro.test', 'Admin-password-for-tests-1');
    const u = await createVerifiedUser(p);
    const secret = await enableTotp(p, u);
    await loginWithTotp(p, u, secret);
    const list = await p.http.get(`/api/v1/admin/users/${u.userId}/sessions`, { token: admin.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    expect(list.body.items[0]).toMatchObject({ current: false, browser: null });
    expect((await p.http.get(`/api/v1/admin/users/${u.userId}/sessions`, { token: u.accessToken })).status).toBe(403);
    const unknown = await p.http.get('/api/v1/admin/users/00000000-0000-4000-8000-000000000000/sessions', {
      token: admin.accessToken,
    });
    expect(unknown.status).toBe(404);
    expect((await p.http.get('/api/v1/admin/users/nope/sessions', { token: admin.accessToken })).status).toBe(400);

    expect(
      (await p.http.post(`/api/v1/admin/users/${u.userId}/mfa/reset`, undefined, { token: u.accessToken })).status,
    ).toBe(403);
    const reset = await p.http.post(`/api/v1/admin/users/${u.userId}/mfa/reset`, undefined, {
      token: admin.accessToken,
    });
    expect(reset.status).toBe(204);
    expect(
      (await p.http.post('/api/v1/auth/login', { email: u.email, password: u.password })).body.accessToken,
    ).toBeTruthy();
    const audit = await p.http.get(`/api/v1/admin/audit?type=mfa_reset&userId=${u.userId}`, {
      token: admin.accessToken,
    });
    expect(audit.body.items).toEqual([expect.objectContaining({ type: 'mfa_reset', actorId: admin.userId })]);
  });
});

describe('SMS second factor with SMS_PROVIDER=webhook', () => {
  it('setup texts a code, enable confirms the phone, login texts a code that gives tokens once', async () => {
    const u = await createVerifiedUser(p);
    const phone = '+6281234500001';
    expect(
      (await p.http.post('/api/v1/auth/mfa/sms/setup', { phone: '0812-3450-0001' }, { token: u.accessToken })).status,
    ).toBe(400);
    let seen = sms.texts.length;
    const setup = await p.http.post('/api/v1/auth/mfa/sms/setup', { phone }, { token: u.accessToken });
    expect(setup.status).toBe(202);
    const text = await sms.waitFor(phone, () => true, seen);
    expect(text.purpose).toBe('mfa_setup');
    expect(text.text).toMatch(/^\d{6} adalah kode PetPro Anda untuk mengonfirmasi nomor ini/); // Bahasa Indonesia
    const setupCode = await sms.codeFor(phone, seen);
    // One text a minute.
    const soon = await p.http.post('/api/v1/auth/mfa/sms/setup', { phone }, { token: u.accessToken });
    expect(soon.status).toBe(429);
    expect(soon.body.code).toBe('sms_cooldown');
    expect(Number(soon.headers.get('retry-after'))).toBeGreaterThan(50);

    const wrongCode = setupCode === '000000' ? '111111' : '000000';
    const wrong = await p.http.post('/api/v1/auth/mfa/sms/enable', { code: wrongCode }, { token: u.accessToken });
    expect(wrong.status).toBe(400);
    const on = await p.http.post('/api/v1/auth/mfa/sms/enable', { code: setupCode }, { token: u.accessToken });
    expect(on.status).toBe(200);
    expect(on.body).toEqual({ enabled: true, methods: ['sms'], backupCodesRemaining: 0 });
    // The code is spent.
    expect(
      (await p.http.post('/api/v1/auth/mfa/sms/enable', { code: setupCode }, { token: u.accessToken })).status,
    ).toBe(400);

    const mfaToken = await mfaTokenOf(p, u);
    expect((await p.http.post('/api/v1/auth/mfa/sms/send', { mfaToken: 'x'.repeat(43) })).status).toBe(401);
    seen = sms.texts.length;
    expect((await p.http.post('/api/v1/auth/mfa/sms/send', { mfaToken })).status).toBe(202);
    const loginCode = await sms.codeFor(phone, seen);
    expect(sms.texts.at(-1)!.purpose).toBe('mfa_code');
    expect((await p.http.post('/api/v1/auth/mfa/sms/send', { mfaToken })).status).toBe(429);
    const ok = await verify(mfaToken, 'sms', loginCode);
    expect(ok.status).toBe(200);
    expect(ok.body.accessToken).toBeTruthy();
    const replay = await verify(await mfaTokenOf(p, u), 'sms', loginCode);
    expect(replay.status).toBe(401);

    // Step-up by text: a code for the change, sent back with X-MFA-Method: sms.
    const body = { currentPassword: u.password, newPassword: 'Kata-sandi-baru-yang-panjang-4' };
    const bare = await p.http.post('/api/v1/auth/password/change', body, { token: ok.body.accessToken });
    expect(bare.body).toMatchObject({ code: 'mfa_required', methods: ['sms'] });
    seen = sms.texts.length;
    const stepUp = await p.http.post('/api/v1/auth/mfa/sms/step-up', undefined, { token: ok.body.accessToken });
    expect(stepUp.status).toBe(202);
    const stepUpCode = await sms.codeFor(phone, seen);
    const changed = await p.http.post('/api/v1/auth/password/change', body, {
      token: ok.body.accessToken,
      headers: { 'x-mfa-method': 'sms', 'x-mfa-code': stepUpCode },
    });
    expect(changed.status).toBe(204);
  });

  it('one phone number gets at most MFA_SMS_PER_PHONE_PER_HOUR (5) codes an hour, whoever asks', async () => {
    const phone = '+6281234500002';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const u = await createVerifiedUser(p, { language: 'en' });
      const res = await p.http.post('/api/v1/auth/mfa/sms/setup', { phone }, { token: u.accessToken });
      statuses.push(res.status);
      if (i === 5) expect(res.body.code).toBe('sms_limit_reached');
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    expect(sms.texts.filter((t) => t.to === phone)).toHaveLength(5);
    expect(sms.texts.at(-1)!.text).toMatch(/^\d{6} is your PetPro code to confirm this number/);
  });

  it('a provider failure answers 503 and leaves no cooldown', async () => {
    const u = await createVerifiedUser(p);
    const phone = '+6281234500003';
    sms.answer(503);
    try {
      const down = await p.http.post('/api/v1/auth/mfa/sms/setup', { phone }, { token: u.accessToken });
      expect(down.status).toBe(503);
      expect(down.body.code).toBe('sms_unavailable');
    } finally {
      sms.answer(200);
    }
    expect((await p.http.post('/api/v1/auth/mfa/sms/setup', { phone }, { token: u.accessToken })).status).toBe(202);
  });
});

describe('recovery when the second factor is lost', () => {
  async function pendingRecovery(u: { email: string; password: string }) {
    const bad = await p.http.post('/api/v1/auth/recovery/start', { email: u.email, password: 'not the password' });
    expect(bad.status).toBe(401);
    const start = await p.http.post('/api/v1/auth/recovery/start', { email: u.email, password: u.password });
    expect(start.status).toBe(202);
    const mail = await p.smtp.waitFor(u.email, (m) => /Pulihkan akses/.test(m.subject));
    const token = /recover-mfa\?token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
    const done = await p.http.post('/api/v1/auth/recovery/complete', { token });
    expect(done.status).toBe(202);
    expect(done.body.status).toBe('scheduled');
    const hours = (Date.parse(done.body.executeAfter) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    // The link works once.
    expect((await p.http.post('/api/v1/auth/recovery/complete', { token })).status).toBe(400);
    await p.smtp.waitFor(u.email, (m) => /akan dihapus/.test(m.subject));
  }
  async function makeDue(userId: string) {
    const { default: pg } = await import('pg');
    const db = new pg.Client({ connectionString: p.dbUrls.auth });
    await db.connect();
    try {
      await db.query(
        `update mfa_recoveries set execute_after = now() - interval '1 second'
         where user_id = $1 and status = 'pending'`,
        [userId],
      );
    } finally {
      await db.end();
    }
  }
  const loginAnswer = (u: { email: string; password: string }) =>
    p.http.post('/api/v1/auth/login', { email: u.email, password: u.password });

  it('never removes MFA before the delay; removes it after, telling the user', async () => {
    const u = await createVerifiedUser(p);
    await enableTotp(p, u);
    await pendingRecovery(u);
    // The job runs every 200 ms here: well over a few passes later, the second factor is still asked for.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await loginAnswer(u)).body.mfaRequired).toBe(true);
    await makeDue(u.userId);
    const { eventually } = await import('@petpro/kit/testing');
    await eventually(async () => (await loginAnswer(u)).body.accessToken, 10_000, 200);
    await p.smtp.waitFor(u.email, (m) => /telah dihapus/.test(m.subject));
  });

  it('a login with a second factor cancels it; the emailed link alone never bypasses the second factor', async () => {
    const u = await createVerifiedUser(p);
    const secret = await enableTotp(p, u);
    await pendingRecovery(u);
    await loginWithTotp(p, u, secret);
    await makeDue(u.userId);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await loginAnswer(u)).body.mfaRequired).toBe(true);
  });

  it('texts the pending removal to the confirmed phone too', async () => {
    const u = await createVerifiedUser(p);
    const phone = '+6281234500004';
    const seen = sms.texts.length;
    await p.http.post('/api/v1/auth/mfa/sms/setup', { phone }, { token: u.accessToken });
    const code = await sms.codeFor(phone, seen);
    expect((await p.http.post('/api/v1/auth/mfa/sms/enable', { code }, { token: u.accessToken })).status).toBe(200);
    const before = sms.texts.length;
    await pendingRecovery(u);
    const notice = await sms.waitFor(phone, (t) => t.purpose === 'mfa_recovery', before);
    expect(notice.text).toMatch(/faktor kedua akun Anda akan dihapus pada .+ WIB/);
  });

  it('an account without MFA gets the same answer and no mail', async () => {
    const u = await createVerifiedUser(p);
    const start = await p.http.post('/api/v1/auth/recovery/start', { email: u.email, password: u.password });
    expect(start.status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    expect(p.smtp.mails.filter((m) => m.to.includes(u.email) && /Pulihkan/.test(m.subject))).toHaveLength(0);
    expect((await p.http.post('/api/v1/auth/recovery/complete', { token: 'x'.repeat(43) })).status).toBe(400);
  });
});
