import { PROVIDER_PICTURE_MAX_BYTES } from '@petpro/contracts';
import { ConfigError, canonicalOrigin, intVar, optionalVar, parseConfig, splitList, urlVar, z } from '@petpro/kit';

const id = () => optionalVar(z.string().trim().min(1).max(500));
const url = () => urlVar('https', 'http');

/** OAUTH_REDIRECT_ALLOWLIST: the exact origins of client apps that may receive a sign-in's one-time code. */
const originList = () =>
  z.string().transform((v, ctx) => {
    const out: string[] = [];
    for (const e of splitList(v)) {
      const o = canonicalOrigin(e);
      if (!o) {
        ctx.addIssue({ code: 'custom', message: `must list origins like https://app.example.com; "${e}" is not one` });
        return z.NEVER;
      }
      out.push(o);
    }
    return out;
  });

/**
 * Social login settings. A provider is on when its client id is set; the issuer and endpoint URLs
 * default to the real providers and exist so that tests run against local ones.
 */
export function parseOAuthConfig(env: NodeJS.ProcessEnv) {
  const c = parseConfig(
    {
      OAUTH_GOOGLE_CLIENT_ID: id(),
      OAUTH_GOOGLE_CLIENT_SECRET: id(),
      OAUTH_GOOGLE_ISSUER: url().default('https://accounts.google.com'),
      OAUTH_FACEBOOK_CLIENT_ID: id(),
      OAUTH_FACEBOOK_CLIENT_SECRET: id(),
      OAUTH_FACEBOOK_AUTH_URL: url().default('https://www.facebook.com/v23.0/dialog/oauth'),
      OAUTH_FACEBOOK_TOKEN_URL: url().default('https://graph.facebook.com/v23.0/oauth/access_token'),
      OAUTH_FACEBOOK_GRAPH_URL: url().default('https://graph.facebook.com/v23.0'),
      OAUTH_APPLE_CLIENT_ID: id(),
      OAUTH_APPLE_TEAM_ID: id(),
      OAUTH_APPLE_KEY_ID: id(),
      OAUTH_APPLE_PRIVATE_KEY: optionalVar(z.string().includes('PRIVATE KEY', { error: 'must be a PEM private key' })),
      OAUTH_APPLE_ISSUER: url().default('https://appleid.apple.com'),
      OAUTH_REDIRECT_ALLOWLIST: originList().default([]),
      /** The largest provider picture fetched for an empty avatar. */
      OAUTH_AVATAR_MAX_BYTES: intVar(1024, PROVIDER_PICTURE_MAX_BYTES).default(512 * 1024),
    },
    env,
  );
  const need = (on: string | undefined, names: Array<keyof typeof c>) => {
    if (!on) return;
    for (const n of names)
      if (!c[n]) throw new ConfigError(`Configuration error: ${n} is required when ${names[0]?.split('_')[1]} is on`);
  };
  need(c.OAUTH_GOOGLE_CLIENT_ID, ['OAUTH_GOOGLE_CLIENT_SECRET']);
  need(c.OAUTH_FACEBOOK_CLIENT_ID, ['OAUTH_FACEBOOK_CLIENT_SECRET']);
  need(c.OAUTH_APPLE_CLIENT_ID, ['OAUTH_APPLE_TEAM_ID', 'OAUTH_APPLE_KEY_ID', 'OAUTH_APPLE_PRIVATE_KEY']);
  const anyOn = c.OAUTH_GOOGLE_CLIENT_ID || c.OAUTH_FACEBOOK_CLIENT_ID || c.OAUTH_APPLE_CLIENT_ID;
  if (anyOn && !c.OAUTH_REDIRECT_ALLOWLIST.length)
    throw new ConfigError('Configuration error: OAUTH_REDIRECT_ALLOWLIST must list the client app origins');
  return c;
}
export type OAuthConfig = ReturnType<typeof parseOAuthConfig>;
