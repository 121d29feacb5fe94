import { describe, expect, it } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import { newBackupCodes, newSmsCode, newTotpSecret, normaliseBackupCode, totpStepOf, totpUri } from './mfa.codes.ts';

const codeAt = (secret: string, ms: number) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30, timestamp: ms });

describe('TOTP', () => {
  const secret = newTotpSecret();
  const now = 1_765_000_000_000;
  const step = Math.floor(now / 30_000);

  it('makes 160-bit secrets and a URI authenticator apps read', () => {
    expect(Secret.fromBase32(secret).bytes).toHaveLength(20);
    const uri = totpUri(secret, 'budi@example.test', 'PetPro');
    expect(uri).toMatch(/^otpauth:\/\/totp\/PetPro:budi%40example\.test\?/);
    expect(uri).toContain(`secret=${secret}`);
    expect(uri).toContain('algorithm=SHA1&digits=6&period=30');
  });
  it('gives the step of a code within one step either side, and nothing further', () => {
    expect(totpStepOf(secret, codeAt(secret, now), now)).toBe(step);
    expect(totpStepOf(secret, codeAt(secret, now - 30_000), now)).toBe(step - 1);
    expect(totpStepOf(secret, codeAt(secret, now + 30_000), now)).toBe(step + 1);
    expect(totpStepOf(secret, codeAt(secret, now - 90_000), now)).toBeNull();
  });
  it('refuses anything but six digits, and another secret’s code', () => {
    expect(totpStepOf(secret, '12345', now)).toBeNull();
    expect(totpStepOf(secret, `${codeAt(secret, now)}0`, now)).toBeNull();
    expect(totpStepOf(newTotpSecret(), codeAt(secret, now), now)).toBeNull();
  });
});

describe('backup and texted codes', () => {
  it('makes ten distinct 12-character codes', () => {
    const codes = newBackupCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  });
  it('reads a typed code however it was written', () => {
    expect(normaliseBackupCode('abcd-efgh-jk01')).toBe('ABCDEFGHJK01');
    expect(normaliseBackupCode(' abcd efgh jkOl ')).toBe('ABCDEFGHJK01');
    expect(normaliseBackupCode('ABCD-EFGH-JK0')).toBeNull();
    expect(normaliseBackupCode('ABCD-EFGH-JK0U')).toBeNull();
    expect(normaliseBackupCode('x'.repeat(5000))).toBeNull();
  });
  it('texts six digits', () => {
    for (let i = 0; i < 50; i++) expect(newSmsCode()).toMatch(/^\d{6}$/);
  });
});
