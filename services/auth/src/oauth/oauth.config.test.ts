import { describe, expect, it } from 'vitest';
import { parseOAuthConfig } from './oauth.config.ts';
import { providersFrom } from './oauth.providers.ts';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIG...\n-----END PRIVATE KEY-----';

describe('social login configuration', () => {
  it('turns on exactly the providers whose client id is set, with the real providers as defaults', () => {
    const c = parseOAuthConfig({
      OAUTH_GOOGLE_CLIENT_ID: 'g',
      OAUTH_GOOGLE_CLIENT_SECRET: 'gs',
      OAUTH_FACEBOOK_CLIENT_ID: '',
      OAUTH_REDIRECT_ALLOWLIST: 'https://App.PetPro.id, http://localhost:5173',
    });
    expect(c.OAUTH_GOOGLE_ISSUER).toBe('https://accounts.google.com');
    expect(c.OAUTH_APPLE_ISSUER).toBe('https://appleid.apple.com');
    expect(c.OAUTH_REDIRECT_ALLOWLIST).toEqual(['https://app.petpro.id', 'http://localhost:5173']);
    expect([...providersFrom(c, 'https://api.petpro.id').keys()]).toEqual(['google']);
    expect([...providersFrom(parseOAuthConfig({}), 'https://api.petpro.id').keys()]).toEqual([]);
  });
  it('names what a turned-on provider is missing, and refuses a bad allow-list', () => {
    expect(() => parseOAuthConfig({ OAUTH_GOOGLE_CLIENT_ID: 'g', OAUTH_REDIRECT_ALLOWLIST: 'https://a.b' })).toThrow(
      /OAUTH_GOOGLE_CLIENT_SECRET/,
    );
    expect(() =>
      parseOAuthConfig({
        OAUTH_APPLE_CLIENT_ID: 'id.x',
        OAUTH_APPLE_TEAM_ID: 'T',
        OAUTH_REDIRECT_ALLOWLIST: 'https://a.b',
      }),
    ).toThrow(/OAUTH_APPLE_KEY_ID/);
    expect(() =>
      parseOAuthConfig({
        OAUTH_APPLE_CLIENT_ID: 'id.x',
        OAUTH_APPLE_TEAM_ID: 'T',
        OAUTH_APPLE_KEY_ID: 'K',
        OAUTH_APPLE_PRIVATE_KEY: PEM,
      }),
    ).toThrow(/OAUTH_REDIRECT_ALLOWLIST/);
    expect(() => parseOAuthConfig({ OAUTH_REDIRECT_ALLOWLIST: 'https://a.b/path' })).toThrow(
      /OAUTH_REDIRECT_ALLOWLIST/,
    );
    expect(() => parseOAuthConfig({ OAUTH_APPLE_PRIVATE_KEY: 'not a key' })).toThrow(/OAUTH_APPLE_PRIVATE_KEY/);
  });
});
