import { describe, expect, it } from 'vitest';
import { checkPassword, normaliseEmail } from './password-policy.ts';

describe('password policy', () => {
  it('refuses passwords shorter than 8 characters', () => {
    expect(checkPassword('abc1234')[0]?.code).toBe('password_too_short');
  });
  it('accepts long passphrases without composition rules', () => {
    expect(checkPassword('kucing oranye suka tidur di sofa')).toEqual([]);
    expect(checkPassword('x'.repeat(64) + 'y')).toEqual([]);
  });
  it('refuses passwords over 128 characters', () => {
    expect(checkPassword('a'.repeat(129))[0]?.code).toBe('password_too_long');
  });
  it('refuses common passwords from the shipped list, whatever their case', () => {
    expect(checkPassword('password')[0]?.code).toBe('password_too_common');
    expect(checkPassword('QWERTY123')[0]?.code).toBe('password_too_common');
    expect(checkPassword('12345678')[0]?.code).toBe('password_too_common');
  });
  it('refuses the email address as password', () => {
    expect(checkPassword('budi.santoso@example.id', { email: 'budi.santoso@example.id' })[0]?.code).toBe(
      'password_matches_email',
    );
  });
  it('counts characters, not bytes', () => {
    expect(checkPassword('ñandú🐶🐱🐭')).toEqual([]);
    expect(checkPassword('ñandú🐶🐱')).toEqual([
      { field: 'password', code: 'password_too_short', message: expect.any(String) },
    ]);
  });
});

describe('email normalisation', () => {
  it('lower-cases and trims', () => {
    expect(normaliseEmail('  Budi@Example.ID ')).toBe('budi@example.id');
  });
});
