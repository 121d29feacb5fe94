import { describe, expect, it } from 'vitest';
import { accountName, firstSignInDecision, isAllowedRedirect, redirectWith, type SocialUser } from './oauth.model.ts';

const ALLOWED = ['https://app.petpro.id', 'http://localhost:5173'];

describe('redirectUri allow-list', () => {
  it('accepts any path on an allowed origin, exactly', () => {
    expect(isAllowedRedirect('https://app.petpro.id/auth/done?x=1', ALLOWED)).toBe(true);
    expect(isAllowedRedirect('https://APP.petpro.id:443/done', ALLOWED)).toBe(true);
    expect(isAllowedRedirect('http://localhost:5173/cb', ALLOWED)).toBe(true);
  });
  it('refuses look-alikes, other schemes and ports, credentials, fragments and junk', () => {
    for (const bad of [
      'https://app.petpro.id.evil.test/done',
      'https://evil.test/?https://app.petpro.id',
      'http://app.petpro.id/done',
      'https://app.petpro.id:8443/done',
      'https://user:pw@app.petpro.id/done',
      'https://app.petpro.id/done#frag',
      'javascript:alert(1)',
      '//app.petpro.id/done',
      '/done',
      '',
    ])
      expect(isAllowedRedirect(bad, ALLOWED), bad).toBe(false);
  });
  it('adds the result to the client’s own query', () => {
    expect(redirectWith('https://app.petpro.id/done?from=login', { code: 'abc' })).toBe(
      'https://app.petpro.id/done?from=login&code=abc',
    );
  });
});

describe('first sign-in with an email that has an account', () => {
  const account = (emailVerified: boolean): SocialUser => ({
    id: 'u1',
    email: 'a@b.test',
    name: 'A',
    language: 'id',
    emailVerified,
    hasPassword: true,
  });
  const profile = (emailVerified: boolean) => ({ subject: 's', email: 'a@b.test', emailVerified });

  it('links only when both the provider and PetPro verified the address', () => {
    expect(firstSignInDecision(profile(true), account(true))).toBe('link');
    expect(firstSignInDecision(profile(false), account(true))).toBe('refuse');
    expect(firstSignInDecision(profile(true), account(false))).toBe('refuse');
    expect(firstSignInDecision(profile(false), undefined)).toBe('create');
  });
  it('names a new account after the provider, else the address', () => {
    expect(accountName({ subject: 's', emailVerified: true, name: 'Sari' }, 'x@y.test')).toBe('Sari');
    expect(accountName({ subject: 's', emailVerified: true }, 'budi.s@y.test')).toBe('budi.s');
  });
});
