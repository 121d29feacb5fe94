import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser } from '../../../test/users.ts';
import { enableTotp, mfaTokenOf, startSmsReceiver, totpCode, type SmsReceiver } from '../../../test/mfa.ts';

// A high lockout threshold, so that what limits the parallel tries below is the code being spent
// once (or a texted code's own 5 tries), not the account lockout.
let p: Platform;
let sms: SmsReceiver;

beforeAll(async () => {
  sms = await startSmsReceiver();
  p = await startPlatform({
    databaseUrl: inject('databaseUrl'),
    services: ['auth'],
    env: {
      LOGIN_LOCK_AFTER_FAILURES: '50',
      SMS_PROVIDER: 'webhook',
      SMS_WEBHOOK_URL: sms.url,
      MFA_SMS_PER_ACCOUNT_PER_HOUR: '2',
    },
  });
});
afterAll(async () => {
  await p?.stop();
  await sms?.close();
});

const verify = (mfaToken: string, method: string, code: string) =>
  p.http.post('/api/v1/auth/mfa/verify', { mfaToken, method, code });
function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

describe('20 parallel uses of one code', () => {
  it('one TOTP code, 20 login challenges: exactly one success', async () => {
    const u = await createVerifiedUser(p);
    const secret = await enableTotp(p, u);
    const tokens: string[] = [];
    for (let i = 0; i < 20; i++) tokens.push(await mfaTokenOf(p, u));
    const code = totpCode(secret);
    const answers = await Promise.all(tokens.map((t) => verify(t, 'totp', code)));
    expect(tally(answers.map((a) => a.status))).toEqual({ 200: 1, 401: 19 });
    for (const a of answers.filter((x) => x.status === 401)) expect(a.body.code).toBe('invalid_code');
  });

  it('one TOTP code, one challenge sent 20 times: exactly one success', async () => {
    const u = await createVerifiedUser(p);
    const secret = await enableTotp(p, u);
    const token = await mfaTokenOf(p, u);
    const code = totpCode(secret);
    const answers = await Promise.all(Array.from({ length: 20 }, () => verify(token, 'totp', code)));
    expect(tally(answers.map((a) => a.status))).toEqual({ 200: 1, 401: 19 });
  });

  it('one backup code, 20 login challenges: exactly one success', async () => {
    const u = await createVerifiedUser(p);
    const secret = await enableTotp(p, u);
    const made = await p.http.post('/api/v1/auth/mfa/backup-codes', undefined, {
      token: u.accessToken,
      headers: { 'x-mfa-code': totpCode(secret) },
    });
    expect(made.status).toBe(201);
    const tokens: string[] = [];
    for (let i = 0; i < 20; i++) tokens.push(await mfaTokenOf(p, u));
    const answers = await Promise.all(tokens.map((t) => verify(t, 'backup_code', made.body.codes[0])));
    expect(tally(answers.map((a) => a.status))).toEqual({ 200: 1, 401: 19 });
    const me = await p.http.get('/api/v1/auth/me', { token: answers.find((a) => a.status === 200)!.body.accessToken });
    expect(me.body.mfa.backupCodesRemaining).toBe(9);
  });
});

describe('texted codes', () => {
  it('a texted code dies after 5 tries, even the right one after that', async () => {
    const u = await createVerifiedUser(p);
    const phone = '+6281234510001';
    const seen = sms.texts.length;
    expect((await p.http.post('/api/v1/auth/mfa/sms/setup', { phone }, { token: u.accessToken })).status).toBe(202);
    const code = await sms.codeFor(phone, seen);
    const wrongCode = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const res = await p.http.post('/api/v1/auth/mfa/sms/enable', { code: wrongCode }, { token: u.accessToken });
      expect(res.status).toBe(400);
    }
    const late = await p.http.post('/api/v1/auth/mfa/sms/enable', { code }, { token: u.accessToken });
    expect(late.status).toBe(400);
    expect(late.body.code).toBe('invalid_code');
  });

  it('20 parallel tries of the right texted code: exactly one success', async () => {
    const u = await createVerifiedUser(p);
    const phone = '+6281234510002';
    const seen = sms.texts.length;
    await p.http.post('/api/v1/auth/mfa/sms/setup', { phone }, { token: u.accessToken });
    const code = await sms.codeFor(phone, seen);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => p.http.post('/api/v1/auth/mfa/sms/enable', { code }, { token: u.accessToken })),
    );
    expect(tally(answers.map((a) => a.status))).toEqual({ 200: 1, 400: 19 });
  });

  it('an account gets at most MFA_SMS_PER_ACCOUNT_PER_HOUR codes an hour, to any phone', async () => {
    const u = await createVerifiedUser(p);
    const phone = '+6281234510003';
    const seen = sms.texts.length;
    expect((await p.http.post('/api/v1/auth/mfa/sms/setup', { phone }, { token: u.accessToken })).status).toBe(202);
    const code = await sms.codeFor(phone, seen);
    expect((await p.http.post('/api/v1/auth/mfa/sms/enable', { code }, { token: u.accessToken })).status).toBe(200);
    const mfaToken = await mfaTokenOf(p, u);
    expect((await p.http.post('/api/v1/auth/mfa/sms/send', { mfaToken })).status).toBe(202);
    // A third text within the hour (another purpose, so no cooldown applies) is over the budget of 2.
    const third = await p.http.post('/api/v1/auth/mfa/sms/step-up', undefined, { token: u.accessToken });
    expect(third.status).toBe(429);
    expect(third.body.code).toBe('sms_limit_reached');
    expect(sms.texts.filter((t) => t.to === phone)).toHaveLength(2);
  });
});
