import { describe, expect, it } from 'vitest';
import { forwardPath, normalisePath } from './normalise-path.ts';
import { accessFor, matchRoute } from './route-table.ts';

describe('normalisePath', () => {
  it.each([
    ['//api/v1/auth/login', '/api/v1/auth/login'],
    ['/api/v1/auth%2Flogin', '/api/v1/auth/login'],
    ['/api/v1/auth/login/', '/api/v1/auth/login'],
    ['/api/v1/./auth/x/../login', '/api/v1/auth/login'],
    ['/api/v1/auth\\login', '/api/v1/auth/login'],
    ['/../../etc/passwd', '/etc/passwd'],
  ])('%s → %s', (raw, expected) => {
    expect(normalisePath(raw)).toBe(expected);
  });
  it('refuses undecodable paths and NUL bytes', () => {
    expect(normalisePath('/api/%E0%A4%A')).toBeUndefined();
    expect(normalisePath('/api/%00')).toBeUndefined();
  });
  it('re-encodes segments when forwarding', () => {
    expect(forwardPath('/api/v1/media/user/a b.webp', '/api/v1/media/user')).toBe('/api/v1/media/user/a%20b.webp');
  });
});

describe('route table', () => {
  it('matches on segment boundaries, most specific first', () => {
    expect(matchRoute('/api/v1/auth/login')).toMatchObject({ service: 'auth', access: { '*': { kind: 'public' } } });
    expect(matchRoute('/api/v1/auth/me')).toMatchObject({ service: 'auth', access: { '*': { kind: 'auth' } } });
    expect(matchRoute('/api/v1/auth/login-extra')?.access['*']).toEqual({ kind: 'auth' });
    expect(matchRoute('/api/v1/petsfood')).toBeUndefined();
    expect(matchRoute('/api/v1/admin/onboarding/x')).toMatchObject({ service: 'clinic' });
  });
  it('matches deep paths by their prefix, and nothing outside the table', () => {
    expect(matchRoute('/api/v1/auth/password/forgot')?.access['*']).toEqual({ kind: 'public' });
    expect(matchRoute('/api/v1/clinics/0190f5a4/photos/1/variants/x')).toMatchObject({ service: 'clinic' });
    expect(matchRoute('/docs/swagger-ui.css')).toMatchObject({ service: 'gateway' });
    for (const path of ['/', '/metrics', '/internal/registry/instances', '/api', '/api/v1'])
      expect(matchRoute(path), path).toBeUndefined();
  });
  it('leaves a path already in normal form as it is (fast path) and normalises the rest', () => {
    expect(normalisePath('/api/v1/clinics')).toBe('/api/v1/clinics');
    expect(normalisePath('/')).toBe('/');
    expect(normalisePath('api/v1')).toBe('/api/v1');
    expect(normalisePath('/.well-known/jwks.json')).toBe('/.well-known/jwks.json');
  });
  it('reads clinics publicly but needs a token to write them', () => {
    const rule = matchRoute('/api/v1/clinics/123')!;
    expect(accessFor(rule, 'get')).toEqual({ kind: 'public' });
    expect(accessFor(rule, 'POST')).toEqual({ kind: 'auth' });
  });
});
