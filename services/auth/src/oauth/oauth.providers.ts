import { createHmac } from 'node:crypto';
import * as client from 'openid-client';
import { SignJWT, importPKCS8, type CryptoKey } from 'jose';
import { z } from '@petpro/kit';
import type { OAuthConfig } from './oauth.config.ts';

export const PROVIDER_NAMES = ['google', 'facebook', 'apple'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** What a provider told us about the person who signed in. */
export interface ProviderProfile {
  subject: string;
  email?: string;
  /** Only what the provider asserts (Google's and Apple's `email_verified`); always false for Facebook. */
  emailVerified: boolean;
  name?: string;
  pictureUrl?: string;
}

/** The secrets of one sign-in, kept server-side between the start and the callback. */
export interface SignInChecks {
  state: string;
  codeVerifier: string;
  /** OpenID providers only. */
  nonce: string | null;
}

/** One social login provider: where to send the browser, and what its callback proves. */
export interface OAuthProvider {
  readonly name: ProviderName;
  readonly usesNonce: boolean;
  authorizationUrl(checks: SignInChecks): Promise<URL>;
  /** Exchanges the callback's code and validates what comes back; throws when anything does not check out. */
  profileFrom(callback: URLSearchParams, checks: SignInChecks): Promise<ProviderProfile>;
}

/** Only these callback fields reach openid-client (Apple's `user` field is read separately). */
const AUTH_RESPONSE_FIELDS = ['code', 'state', 'iss', 'error', 'error_description'];
const TIMEOUT_SECONDS = 10;

function callbackUrlWith(callbackUrl: string, params: URLSearchParams): URL {
  const url = new URL(callbackUrl);
  for (const k of AUTH_RESPONSE_FIELDS) {
    const v = params.get(k);
    if (v !== null) url.searchParams.set(k, v);
  }
  return url;
}

/** Plain HTTP is allowed only for an endpoint configured as http:// (local test providers). */
function insecureIfHttp(url: string): Array<(c: client.Configuration) => void> {
  return new URL(url).protocol === 'http:' ? [client.allowInsecureRequests] : [];
}

const trueish = (v: unknown) => v === true || v === 'true';

/** Apple's first-sign-in `user` form field: `{"name":{"firstName":"…","lastName":"…"},"email":"…"}`. */
const AppleUser = z.object({
  name: z.object({ firstName: z.string().max(100).optional(), lastName: z.string().max(100).optional() }).optional(),
});

function appleName(raw: string | null): string | undefined {
  if (!raw || raw.length > 2000) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const user = AppleUser.safeParse(parsed);
  if (!user.success) return undefined;
  const { firstName, lastName } = user.data.name ?? {};
  return [firstName, lastName].filter(Boolean).join(' ').trim() || undefined;
}

/** Google and Apple: OpenID Connect with discovery; the ID token is checked against the provider's JWKS. */
class OpenIdProvider implements OAuthProvider {
  readonly usesNonce = true;
  private config?: Promise<client.Configuration>;

  constructor(
    readonly name: ProviderName,
    private readonly opts: {
      issuer: string;
      clientId: string;
      clientAuth: client.ClientAuth;
      callbackUrl: string;
      scope: string;
      extraParams?: Record<string, string>;
      /** Runs before each token request (Apple renews its signed client secret). */
      beforeTokenRequest?: () => Promise<void>;
      /** The name the provider sends outside the ID token (Apple's first-sign-in `user` field). */
      nameFrom?: (callback: URLSearchParams) => string | undefined;
    },
  ) {}

  /** Discovery once, retried after a failure (a provider that was down is not remembered as broken). */
  private configuration(): Promise<client.Configuration> {
    if (!this.config) {
      const pending = client
        .discovery(new URL(this.opts.issuer), this.opts.clientId, undefined, this.opts.clientAuth, {
          execute: [...insecureIfHttp(this.opts.issuer), client.enableNonRepudiationChecks],
          timeout: TIMEOUT_SECONDS,
        })
        .then((c) => {
          c.timeout = TIMEOUT_SECONDS;
          return c;
        });
      this.config = pending;
      pending.catch(() => {
        if (this.config === pending) this.config = undefined;
      });
    }
    return this.config;
  }

  async authorizationUrl(checks: SignInChecks): Promise<URL> {
    return client.buildAuthorizationUrl(await this.configuration(), {
      redirect_uri: this.opts.callbackUrl,
      scope: this.opts.scope,
      state: checks.state,
      nonce: checks.nonce ?? '',
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      ...this.opts.extraParams,
    });
  }

  async profileFrom(callback: URLSearchParams, checks: SignInChecks): Promise<ProviderProfile> {
    const config = await this.configuration();
    await this.opts.beforeTokenRequest?.();
    // Checks state, iss, the code at the token endpoint with the PKCE verifier, then the ID token:
    // signature (provider's JWKS, non-repudiation checks), issuer, audience, expiry and nonce.
    const tokens = await client.authorizationCodeGrant(config, callbackUrlWith(this.opts.callbackUrl, callback), {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce ?? undefined,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
    return {
      subject: claims.sub,
      email: str(claims.email)?.toLowerCase(),
      emailVerified: trueish(claims.email_verified),
      name: str(claims.name) ?? this.opts.nameFrom?.(callback),
      pictureUrl: str(claims.picture),
    };
  }
}

const GraphMe = z.object({
  id: z.string().min(1).max(200),
  name: z.string().max(200).optional(),
  email: z.string().max(254).optional(),
  picture: z
    .object({ data: z.object({ url: z.string().optional(), is_silhouette: z.boolean().optional() }).optional() })
    .optional(),
});

/**
 * Facebook: a plain OAuth 2.0 code flow with PKCE (openid-client speaks it without discovery), then
 * the Graph API's `/me`. Its email is never treated as verified: Facebook does not say it was proven.
 */
class FacebookProvider implements OAuthProvider {
  readonly name = 'facebook' as const;
  readonly usesNonce = false;
  private readonly config: client.Configuration;

  constructor(
    private readonly opts: {
      clientId: string;
      clientSecret: string;
      authUrl: string;
      tokenUrl: string;
      graphUrl: string;
      callbackUrl: string;
    },
  ) {
    this.config = new client.Configuration(
      { issuer: 'https://www.facebook.com', authorization_endpoint: opts.authUrl, token_endpoint: opts.tokenUrl },
      opts.clientId,
      undefined,
      client.ClientSecretPost(opts.clientSecret),
    );
    this.config.timeout = TIMEOUT_SECONDS;
    for (const f of [...insecureIfHttp(opts.authUrl), ...insecureIfHttp(opts.tokenUrl)]) f(this.config);
  }

  async authorizationUrl(checks: SignInChecks): Promise<URL> {
    return client.buildAuthorizationUrl(this.config, {
      redirect_uri: this.opts.callbackUrl,
      scope: 'email public_profile',
      state: checks.state,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  async profileFrom(callback: URLSearchParams, checks: SignInChecks): Promise<ProviderProfile> {
    const tokens = await client.authorizationCodeGrant(this.config, callbackUrlWith(this.opts.callbackUrl, callback), {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
    });
    const me = new URL(`${this.opts.graphUrl.replace(/\/$/, '')}/me`);
    me.searchParams.set('fields', 'id,name,email,picture');
    // Graph calls signed with the app secret (Facebook's "Require App Secret" setting).
    me.searchParams.set(
      'appsecret_proof',
      createHmac('sha256', this.opts.clientSecret).update(tokens.access_token).digest('hex'),
    );
    const res = await fetch(me, {
      headers: { authorization: `Bearer ${tokens.access_token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(TIMEOUT_SECONDS * 1000),
    });
    if (!res.ok) throw new Error(`Graph /me answered ${res.status}`);
    const body = GraphMe.parse(await res.json());
    const picture = body.picture?.data;
    return {
      subject: body.id,
      email: body.email?.trim().toLowerCase() || undefined,
      emailVerified: false,
      name: body.name?.trim() || undefined,
      pictureUrl: picture?.url && !picture.is_silhouette ? picture.url : undefined,
    };
  }
}

/**
 * Apple's client secret: an ES256 JWT signed with the team's key (iss team, sub client id, aud
 * Apple's issuer), renewed well before it expires.
 */
class AppleClientSecret {
  private key?: Promise<CryptoKey>;
  private current?: { jwt: string; expiresAt: number };

  constructor(
    private readonly opts: { teamId: string; keyId: string; privateKey: string; clientId: string; audience: string },
  ) {}

  async renew(): Promise<void> {
    if (this.current && this.current.expiresAt - Date.now() > 5 * 60_000) return;
    this.key ??= importPKCS8(this.opts.privateKey, 'ES256');
    const expiresAt = Date.now() + 60 * 60_000;
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.opts.keyId })
      .setIssuer(this.opts.teamId)
      .setSubject(this.opts.clientId)
      .setAudience(this.opts.audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt / 1000))
      .sign(await this.key);
    this.current = { jwt, expiresAt };
  }

  /** client_secret_post with the current JWT (renew() has run before every token request). */
  readonly auth: client.ClientAuth = (_as, c, body) => {
    body.set('client_id', c.client_id);
    body.set('client_secret', this.current?.jwt ?? '');
  };
}

/** The enabled providers (a client id set), keyed by name. */
export function providersFrom(c: OAuthConfig, gatewayUrl: string): Map<ProviderName, OAuthProvider> {
  const callbackUrl = (p: ProviderName) => `${gatewayUrl.replace(/\/$/, '')}/api/v1/auth/oauth/${p}/callback`;
  const out = new Map<ProviderName, OAuthProvider>();
  if (c.OAUTH_GOOGLE_CLIENT_ID)
    out.set(
      'google',
      new OpenIdProvider('google', {
        issuer: c.OAUTH_GOOGLE_ISSUER,
        clientId: c.OAUTH_GOOGLE_CLIENT_ID,
        clientAuth: client.ClientSecretPost(c.OAUTH_GOOGLE_CLIENT_SECRET!),
        callbackUrl: callbackUrl('google'),
        scope: 'openid email profile',
      }),
    );
  if (c.OAUTH_FACEBOOK_CLIENT_ID)
    out.set(
      'facebook',
      new FacebookProvider({
        clientId: c.OAUTH_FACEBOOK_CLIENT_ID,
        clientSecret: c.OAUTH_FACEBOOK_CLIENT_SECRET!,
        authUrl: c.OAUTH_FACEBOOK_AUTH_URL,
        tokenUrl: c.OAUTH_FACEBOOK_TOKEN_URL,
        graphUrl: c.OAUTH_FACEBOOK_GRAPH_URL,
        callbackUrl: callbackUrl('facebook'),
      }),
    );
  if (c.OAUTH_APPLE_CLIENT_ID) {
    const secret = new AppleClientSecret({
      teamId: c.OAUTH_APPLE_TEAM_ID!,
      keyId: c.OAUTH_APPLE_KEY_ID!,
      privateKey: c.OAUTH_APPLE_PRIVATE_KEY!.replace(/\\n/g, '\n'),
      clientId: c.OAUTH_APPLE_CLIENT_ID,
      audience: c.OAUTH_APPLE_ISSUER.replace(/\/$/, ''),
    });
    out.set(
      'apple',
      new OpenIdProvider('apple', {
        issuer: c.OAUTH_APPLE_ISSUER,
        clientId: c.OAUTH_APPLE_CLIENT_ID,
        clientAuth: secret.auth,
        callbackUrl: callbackUrl('apple'),
        scope: 'openid email name',
        // Apple posts the answer (and, on the first sign-in only, the user's name) as a cross-site form.
        extraParams: { response_mode: 'form_post' },
        beforeTokenRequest: () => secret.renew(),
        nameFrom: (callback) => appleName(callback.get('user')),
      }),
    );
  }
  return out;
}
