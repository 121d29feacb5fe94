/**
 * Real OAuth providers on loopback for social login tests: `oidc-provider` (a certified OpenID
 * Provider) started as "Google" and as "Apple" (form_post, a client secret that is an ES256 JWT,
 * the `user` form field on the first sign-in only), and a small OAuth 2.0 server that speaks
 * Facebook's dialog, token and Graph endpoints (node:http, since no library plays Facebook).
 * A browser is played with fetch: redirects followed by hand, with a cookie jar.
 */
import http from 'node:http';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import {
  SignJWT,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type JWK,
} from 'jose';
import sharp from 'sharp';

export interface TestAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  picture?: string;
  /** Apple: the first-sign-in name, sent in the `user` form field once. */
  appleName?: { firstName: string; lastName: string };
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** A PNG the providers serve as a profile picture. */
export function picturePng(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 64, channels: 3, background: '#e07a2f' } })
    .png()
    .toBuffer();
}

/**
 * An OpenID Provider. `configure(redirectUri)` registers PetPro's callback once the gateway is up.
 * With `apple`, the client authenticates with an ES256 JWT signed by the team key (verified here
 * as Apple does), answers come by form_post and the name comes in the `user` field on the first sign-in.
 */
export async function startOidcProvider(opts: {
  clientId: string;
  clientSecret?: string;
  apple?: { teamId: string; keyId: string; publicKey: CryptoKey };
}) {
  const server = http.createServer();
  const issuer = await listen(server);
  const accounts = new Map<string, TestAccount>();
  const named = new Set<string>();
  const staticSecret = opts.clientSecret ?? randomBytes(24).toString('base64url');
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingJwk = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' } as JWK;
  let lastLogin: string | undefined;
  /** The next ID token is re-signed with these changes (a provider answer that must be refused). */
  let tamperNext: ((claims: Record<string, unknown>) => Record<string, unknown>) | undefined;
  let tamperKey: JWK | undefined;
  let provider: Provider | undefined;
  const png = await picturePng();

  const configure = (redirectUri: string) => {
    provider = new Provider(issuer, {
      clients: [
        {
          client_id: opts.clientId,
          client_secret: staticSecret,
          redirect_uris: [redirectUri],
          response_types: ['code'],
          grant_types: ['authorization_code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      jwks: { keys: [signingJwk] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      scopes: ['openid', 'email', 'profile', 'name'],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'] },
      // Like Google and Apple: the ID token itself carries the email and name claims.
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx: KoaContextWithOIDC, i: { uid: string }) => `/interaction/${i.uid}` },
      pkce: { required: () => true },
      ttl: { AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
      findAccount: (_ctx: KoaContextWithOIDC, id: string) => {
        const a = accounts.get(id);
        if (!a) return undefined;
        const { appleName: _n, ...claims } = a;
        return { accountId: id, claims: () => claims };
      },
      // The consent screen is skipped: the test user always agrees.
      loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
        const grant = new ctx.oidc.provider.Grant({
          clientId: ctx.oidc.client!.clientId,
          accountId: ctx.oidc.session!.accountId!,
        });
        grant.addOIDCScope('openid email profile name');
        await grant.save();
        return grant;
      },
    } as never);
    provider.use(async (ctx, next) => {
      await next();
      // Apple's form_post carries `user` (the name) on the first authorization of an account only.
      if (opts.apple && typeof ctx.body === 'string' && ctx.body.includes('Submitting Callback') && lastLogin) {
        const a = accounts.get(lastLogin);
        if (a?.appleName && !named.has(lastLogin)) {
          named.add(lastLogin);
          const user = JSON.stringify({ name: a.appleName, email: a.email });
          ctx.body = ctx.body.replace('</form>', `<input type="hidden" name="user" value="${html(user)}"/></form>`);
        }
      }
      if (ctx.path === '/token' && ctx.status === 200 && tamperNext) {
        const body = ctx.body as { id_token?: string };
        if (body.id_token) {
          const claims = tamperNext(decodeJwt(body.id_token) as Record<string, unknown>);
          const key = tamperKey ?? signingJwk;
          body.id_token = await new SignJWT(claims)
            .setProtectedHeader({ alg: 'RS256', kid: decodeProtectedHeader(body.id_token).kid })
            .sign(await importJWK(key, 'RS256'));
          ctx.body = body;
        }
        tamperNext = undefined;
        tamperKey = undefined;
      }
    });
    const callback = provider.callback();
    server.on('request', async (req, res) => {
      const url = new URL(req.url!, issuer);
      if (url.pathname.startsWith('/picture/')) {
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png);
        return;
      }
      const interaction = /^\/interaction\/([\w-]+)$/.exec(url.pathname);
      if (interaction) {
        // The provider's login page: the test names the account that logs in.
        const sub = url.searchParams.get('login');
        if (!sub || !accounts.has(sub)) return void res.writeHead(400).end('unknown test account');
        lastLogin = sub;
        await provider!.interactionFinished(
          req,
          res,
          { login: { accountId: sub } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      if (opts.apple && url.pathname === '/token' && req.method === 'POST') {
        // Apple: the client secret is an ES256 JWT from the team key (iss team, sub client, aud issuer).
        const form = new URLSearchParams(await readBody(req));
        try {
          const { protectedHeader } = await jwtVerify(form.get('client_secret') ?? '', opts.apple.publicKey, {
            algorithms: ['ES256'],
            issuer: opts.apple.teamId,
            subject: opts.clientId,
            audience: issuer,
          });
          if (protectedHeader.kid !== opts.apple.keyId) throw new Error('unknown key id');
        } catch {
          res.writeHead(401, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify({ error: 'invalid_client' }));
        }
        form.set('client_secret', staticSecret);
        (req as http.IncomingMessage & { body?: string }).body = form.toString();
      }
      callback(req, res);
    });
  };

  return {
    issuer,
    accounts,
    configure,
    /** The next token response carries an ID token changed by `fn` (re-signed with `key`, default the real one). */
    tamperNextIdToken(fn: (claims: Record<string, unknown>) => Record<string, unknown>, key?: JWK) {
      tamperNext = fn;
      tamperKey = key ? { ...key, kid: 'test-key-1', alg: 'RS256' } : undefined;
    },
    pictureUrl: (name: string) => `${issuer}/picture/${name}.png`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type OidcTestProvider = Awaited<ReturnType<typeof startOidcProvider>>;

/**
 * Facebook's side of a plain OAuth 2.0 code flow: the dialog (the test names the user that logs
 * in), the token endpoint (client secret, redirect URI, single-use code, PKCE S256) and the Graph
 * API's `/me` (bearer token and `appsecret_proof` checked).
 */
export async function startFacebookServer(opts: { clientId: string; clientSecret: string }) {
  const server = http.createServer();
  const base = await listen(server);
  const users = new Map<string, { id: string; name?: string; email?: string }>();
  const codes = new Map<string, { userId: string; redirectUri: string; challenge: string }>();
  const tokens = new Map<string, string>();
  let redirectUri = '';
  const json = (res: http.ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const png = await picturePng();

  server.on('request', async (req, res) => {
    const url = new URL(req.url!, base);
    if (url.pathname === '/dialog/oauth') {
      const q = url.searchParams;
      const user = users.get(q.get('test_user') ?? '');
      if (q.get('client_id') !== opts.clientId || q.get('redirect_uri') !== redirectUri || !user)
        return void res.writeHead(400).end('bad dialog request');
      if (q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge'))
        return void res.writeHead(400).end('PKCE required');
      const code = randomBytes(16).toString('hex');
      codes.set(code, { userId: user.id, redirectUri, challenge: q.get('code_challenge')! });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      return void res.writeHead(302, { location: back.toString() }).end();
    }
    if (url.pathname === '/oauth/access_token' && req.method === 'POST') {
      const f = new URLSearchParams(await readBody(req));
      const code = codes.get(f.get('code') ?? '');
      codes.delete(f.get('code') ?? '');
      const verifier = f.get('code_verifier') ?? '';
      const ok =
        code &&
        f.get('client_id') === opts.clientId &&
        f.get('client_secret') === opts.clientSecret &&
        f.get('redirect_uri') === code.redirectUri &&
        createHash('sha256').update(verifier).digest('base64url') === code.challenge;
      if (!ok) return json(res, 400, { error: { message: 'Invalid verification code', type: 'OAuthException' } });
      const token = randomBytes(20).toString('hex');
      tokens.set(token, code.userId);
      return json(res, 200, { access_token: token, token_type: 'bearer', expires_in: 5183944 });
    }
    if (url.pathname === '/me') {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const proof = createHmac('sha256', opts.clientSecret).update(token).digest('hex');
      const user = users.get(tokens.get(token) ?? '');
      if (!user || url.searchParams.get('appsecret_proof') !== proof)
        return json(res, 400, { error: { message: 'Invalid OAuth access token', type: 'OAuthException' } });
      return json(res, 200, {
        ...user,
        picture: { data: { url: `${base}/picture/${user.id}.png`, is_silhouette: false } },
      });
    }
    if (url.pathname.startsWith('/picture/')) {
      return void res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png);
    }
    res.writeHead(404).end();
  });

  return {
    env: {
      OAUTH_FACEBOOK_AUTH_URL: `${base}/dialog/oauth`,
      OAUTH_FACEBOOK_TOKEN_URL: `${base}/oauth/access_token`,
      OAUTH_FACEBOOK_GRAPH_URL: base,
    },
    users,
    configure(uri: string) {
      redirectUri = uri;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A browser's cookie jar for one origin (paths ignored: the test visits one provider at a time). */
export class Browser {
  private readonly jar = new Map<string, string>();

  async get(url: string): Promise<Response> {
    return this.send(url, { method: 'GET' });
  }

  async send(url: string, init: RequestInit): Promise<Response> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.jar.set(pair!.slice(0, i).trim(), pair!.slice(i + 1));
    }
    return res;
  }

  /** Follows 3xx answers until one leaves for `stopAt` (the gateway) or a page answers. */
  async follow(url: string, stopAt: string): Promise<{ url: string; res?: Response }> {
    let next = url;
    for (let i = 0; i < 10; i++) {
      if (next.startsWith(stopAt)) return { url: next };
      const res = await this.get(next);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { url: next, res };
      next = new URL(location, next).toString();
    }
    throw new Error('too many redirects');
  }
}

/** The hidden fields and action of an auto-submitting form_post page. */
export function formPostOf(page: string): { action: string; fields: URLSearchParams } {
  const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
  if (!action) throw new Error(`no form in page: ${page.slice(0, 200)}`);
  const fields = new URLSearchParams();
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)) {
    fields.set(
      m[1]!,
      m[2]!
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&amp;/g, '&'),
    );
  }
  return { action: action.replace(/&amp;/g, '&'), fields };
}
