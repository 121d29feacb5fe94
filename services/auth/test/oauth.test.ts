import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { eventually } from '@petpro/kit/testing';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import pg from 'pg';
import { adminOf, createVerifiedUser, verificationToken } from '../../../test/users.ts';
import { enableTotp, totpCode } from '../../../test/mfa.ts';
import {
  Browser,
  formPostOf,
  startFacebookServer,
  startOidcProvider,
  type OidcTestProvider,
} from '../../../test/oauth-providers.ts';

const APP = 'http://app.petpro.test';
const DONE = `${APP}/signed-in`;

let p: Platform;
let google: OidcTestProvider;
let apple: OidcTestProvider;
let facebook: Awaited<ReturnType<typeof startFacebookServer>>;

beforeAll(async () => {
  const appleKey = await generateKeyPair('ES256', { extractable: true });
  google = await startOidcProvider({ clientId: 'petpro-google', clientSecret: 'google-secret-for-tests-0123' });
  apple = await startOidcProvider({
    clientId: 'id.petpro.signin',
    apple: { teamId: 'TEAM123456', keyId: 'KEY1234567', publicKey: appleKey.publicKey },
  });
  facebook = await startFacebookServer({ clientId: 'fb-app-1', clientSecret: 'fb-secret-for-tests-0123456' });
  p = await startPlatform({
    databaseUrl: inject('databaseUrl'),
    services: ['auth', 'user'],
    env: {
      OAUTH_REDIRECT_ALLOWLIST: APP,
      OAUTH_GOOGLE_CLIENT_ID: 'petpro-google',
      OAUTH_GOOGLE_CLIENT_SECRET: 'google-secret-for-tests-0123',
      OAUTH_GOOGLE_ISSUER: google.issuer,
      OAUTH_APPLE_CLIENT_ID: 'id.petpro.signin',
      OAUTH_APPLE_TEAM_ID: 'TEAM123456',
      OAUTH_APPLE_KEY_ID: 'KEY1234567',
      OAUTH_APPLE_PRIVATE_KEY: await exportPKCS8(appleKey.privateKey),
      OAUTH_APPLE_ISSUER: apple.issuer,
      OAUTH_FACEBOOK_CLIENT_ID: 'fb-app-1',
      OAUTH_FACEBOOK_CLIENT_SECRET: 'fb-secret-for-tests-0123456',
      ...facebook.env,
    },
  });
  google.configure(`${p.url}/api/v1/auth/oauth/google/callback`);
  apple.configure(`${p.url}/api/v1/auth/oauth/apple/callback`);
  facebook.configure(`${p.url}/api/v1/auth/oauth/facebook/callback`);
});
afterAll(async () => {
  await p?.stop();
  await Promise.all([google?.close(), apple?.close(), facebook?.close()]);
});

const uid = () => randomBytes(5).toString('hex');
type ProviderKey = 'google' | 'apple' | 'facebook';

/** GET .../start through the gateway, as the client app's browser does. */
function start(b: Browser, provider: ProviderKey, opts: { redirectUri?: string; token?: string } = {}) {
  const q = new URLSearchParams({ redirectUri: opts.redirectUri ?? DONE });
  if (opts.token) q.set('link', 'true');
  return b.send(`${p.url}/api/v1/auth/oauth/${provider}/start?${q}`, {
    method: 'GET',
    headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
  });
}

/**
 * The provider's part in the browser: from the authorization URL to the moment the provider sends
 * the browser back to PetPro. Returns the callback request to make (a GET URL, or Apple's form).
 */
async function atProvider(b: Browser, provider: ProviderKey, authUrl: string, account: string) {
  if (provider === 'facebook') {
    const r = await b.follow(`${authUrl}&test_user=${account}`, p.url);
    return { method: 'GET' as const, url: r.url };
  }
  const toLogin = await b.follow(authUrl, p.url);
  expect(toLogin.url).toMatch(/\/interaction\//);
  const back = await b.follow(`${toLogin.url}?login=${account}`, p.url);
  if (provider === 'apple') {
    const form = formPostOf(await back.res!.text());
    return { method: 'POST' as const, url: form.action, form: form.fields };
  }
  return { method: 'GET' as const, url: back.url };
}

/** PetPro's callback, through the gateway: GET, or Apple's cross-site form POST. */
function callback(b: Browser, cb: Awaited<ReturnType<typeof atProvider>>) {
  if (cb.method === 'GET') return b.get(cb.url);
  return b.send(cb.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(apple.issuer).origin },
    body: cb.form!.toString(),
  });
}

/** A whole sign-in in the browser; the final redirect to the client app. */
async function signIn(provider: ProviderKey, account: string, opts: { token?: string } = {}): Promise<URL> {
  const b = new Browser();
  const s = await start(b, provider, opts);
  expect(s.status, await s.clone().text()).toBe(302);
  const res = await callback(b, await atProvider(b, provider, s.headers.get('location')!, account));
  expect(res.status, await res.clone().text()).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(location.origin + location.pathname).toBe(DONE);
  return location;
}

async function exchange(code: string) {
  return p.http.post('/api/v1/auth/oauth/exchange', { code });
}

async function signInTokens(provider: ProviderKey, account: string) {
  const back = await signIn(provider, account);
  expect(back.searchParams.get('error')).toBeNull();
  const res = await exchange(back.searchParams.get('code')!);
  expect(res.status, res.text).toBe(200);
  return res.body as { accessToken: string; refreshToken: string; user: { id: string; email: string; name: string } };
}

const me = (token: string) => p.http.get('/api/v1/auth/me', { token });

describe('social login through the gateway against local providers', () => {
  it('lists the enabled providers', async () => {
    const res = await p.http.get('/api/v1/auth/oauth/providers');
    expect(res.status).toBe(200);
    expect(res.body.providers.sort()).toEqual(['apple', 'facebook', 'google']);
  });

  const googleFlow =
    'Google: the start carries state, PKCE S256 and a nonce; a first sign-in creates the account, a ' +
    'second finds it';
  it(googleFlow, async () => {
    const sub = `g-${uid()}`;
    const email = `${sub}@gmail.test`;
    google.accounts.set(sub, { sub, email, email_verified: true, name: 'Sari Google' });

    const s = await start(new Browser(), 'google');
    const auth = new URL(s.headers.get('location')!);
    expect(auth.origin).toBe(google.issuer);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(auth.searchParams.get('state')!.length).toBeGreaterThanOrEqual(43);
    expect(auth.searchParams.get('nonce')!.length).toBeGreaterThanOrEqual(43);
    expect(s.headers.get('cache-control')).toBe('no-store');

    const back = await signIn('google', sub);
    // Never tokens in a URL: only the one-time code.
    expect([...back.searchParams.keys()]).toEqual(['code']);
    const first = await exchange(back.searchParams.get('code')!);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      tokenType: 'Bearer',
      user: { email, name: 'Sari Google', emailVerified: true },
    });
    const who = await me(first.body.accessToken);
    expect(who.body).toMatchObject({ providers: ['google'], hasPassword: false });

    const again = await signInTokens('google', sub);
    expect(again.user.id).toBe(first.body.user.id);
    // Both logins ended in completeFirstFactor, audited with the provider as the first factor.
    const audit = await p.http.get(`/api/v1/admin/audit?type=login_ok&userId=${again.user.id}`, {
      token: (await adminOf(p)).accessToken,
    });
    expect(audit.body.items.map((e: { detail: { via: string } }) => e.detail.via)).toEqual([
      'oauth:google',
      'oauth:google',
    ]);
  });

  it('Apple: the form_post callback works and keeps the first-time name, which Apple sends only once', async () => {
    const sub = `a-${uid()}`;
    const email = `${uid()}@privaterelay.appleid.test`;
    apple.accounts.set(sub, {
      sub,
      email,
      email_verified: true,
      appleName: { firstName: 'Dewi', lastName: 'Lestari' },
    });
    const first = await signInTokens('apple', sub);
    expect(first.user).toMatchObject({ email, name: 'Dewi Lestari' });
    // The second sign-in has no `user` field: the stored name stays.
    const second = await signInTokens('apple', sub);
    expect(second.user).toMatchObject({ id: first.user.id, name: 'Dewi Lestari' });
    const ids = await p.http.get('/api/v1/auth/identities', { token: second.accessToken });
    expect(ids.body.items).toMatchObject([{ provider: 'apple', email, emailVerified: true, name: 'Dewi Lestari' }]);
  });

  it('Facebook: a plain OAuth 2.0 sign-in creates an account (email not verified) and finds it again', async () => {
    const id = `fb${uid()}`;
    facebook.users.set(id, { id, name: 'Budi Facebook', email: `${id}@fb.test` });
    const first = await signInTokens('facebook', id);
    expect(first.user).toMatchObject({ email: `${id}@fb.test`, name: 'Budi Facebook' });
    expect((await me(first.accessToken)).body).toMatchObject({ emailVerified: false, providers: ['facebook'] });
    expect((await signInTokens('facebook', id)).user.id).toBe(first.user.id);
  });

  it('a provider-verified email matching a verified PetPro account links to it and mails the owner', async () => {
    const owner = await createVerifiedUser(p, { name: 'Rina' });
    const sub = `g-${uid()}`;
    google.accounts.set(sub, { sub, email: owner.email, email_verified: true, name: 'Rina G' });
    const tokens = await signInTokens('google', sub);
    expect(tokens.user.id).toBe(owner.userId);
    const mail = await p.smtp.waitFor(owner.email, (m) => /Google/.test(m.subject));
    expect(mail.subject).toMatch(/Masuk dengan Google ditambahkan/);
    expect((await me(tokens.accessToken)).body).toMatchObject({ providers: ['google'], hasPassword: true });
  });

  it('attacker: an unverified provider email never takes over an account with that address', async () => {
    const victim = await createVerifiedUser(p);
    const sub = `g-${uid()}`;
    google.accounts.set(sub, { sub, email: victim.email, email_verified: false, name: 'Mallory' });
    const back = await signIn('google', sub);
    expect(back.searchParams.get('error')).toBe('account_exists');
    expect(back.searchParams.get('code')).toBeNull();
    const ids = await p.http.get('/api/v1/auth/identities', { token: victim.accessToken });
    expect(ids.body.items).toEqual([]);
  });

  it('attacker: a Facebook email never links, even to a verified account', async () => {
    const victim = await createVerifiedUser(p);
    const id = `fb${uid()}`;
    facebook.users.set(id, { id, name: 'Mallory', email: victim.email });
    const back = await signIn('facebook', id);
    expect(back.searchParams.get('error')).toBe('account_exists');
    expect((await p.http.get('/api/v1/auth/identities', { token: victim.accessToken })).body.items).toEqual([]);
  });

  it('attacker: a state is single-use (replaying the callback is refused), and a made-up state too', async () => {
    const sub = `g-${uid()}`;
    google.accounts.set(sub, { sub, email: `${sub}@gmail.test`, email_verified: true });
    const b = new Browser();
    const s = await start(b, 'google');
    const cb = await atProvider(b, 'google', s.headers.get('location')!, sub);
    expect((await callback(b, cb)).status).toBe(302);
    const replay = await callback(b, cb);
    expect(replay.status).toBe(400);
    expect((await replay.json()).code).toBe('invalid_state');
    const forged = await b.get(`${p.url}/api/v1/auth/oauth/google/callback?code=abc&state=${'x'.repeat(43)}`);
    expect(forged.status).toBe(400);
    // Another provider's state is refused too.
    const cross = new URL(cb.url);
    const other = await b.get(`${p.url}/api/v1/auth/oauth/facebook/callback?${cross.searchParams}`);
    expect(other.status).toBe(400);
  });

  it('attacker: an ID token with another nonce, or signed by another key, is refused', async () => {
    const sub = `g-${uid()}`;
    google.accounts.set(sub, { sub, email: `${sub}@gmail.test`, email_verified: true });
    google.tamperNextIdToken((c) => ({ ...c, nonce: 'a-nonce-from-another-sign-in' }));
    expect((await signIn('google', sub)).searchParams.get('error')).toBe('oauth_failed');
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    google.tamperNextIdToken((c) => c, await exportJWK(privateKey));
    expect((await signIn('google', sub)).searchParams.get('error')).toBe('oauth_failed');
    // Untouched, the same account signs in.
    expect((await signIn('google', sub)).searchParams.get('code')).toBeTruthy();
  });

  it('attacker: an unknown redirectUri is refused before anything is stored', async () => {
    for (const redirectUri of [
      'https://evil.test/steal',
      'http://app.petpro.test.evil.test/x',
      'http://user@app.petpro.test/x',
      'javascript:alert(1)',
    ]) {
      const res = await start(new Browser(), 'google', { redirectUri });
      expect(res.status, redirectUri).toBe(400);
      expect((await res.json()).code).toBe('redirect_uri_not_allowed');
    }
  });

  it('attacker: a one-time code works once (code replay at /exchange is refused)', async () => {
    const sub = `g-${uid()}`;
    google.accounts.set(sub, { sub, email: `${sub}@gmail.test`, email_verified: true });
    const code = (await signIn('google', sub)).searchParams.get('code')!;
    const [a, b] = await Promise.all([exchange(code), exchange(code)]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    const third = await exchange(code);
    expect(third.status).toBe(400);
    expect(third.body.code).toBe('invalid_code');
  });

  it('a logged-in user links more providers; unlinking never removes the last way to log in', async () => {
    const sub = `g-${uid()}`;
    google.accounts.set(sub, { sub, email: `${sub}@gmail.test`, email_verified: true });
    const user = await signInTokens('google', sub);
    const fb = `fb${uid()}`;
    facebook.users.set(fb, { id: fb, name: 'Other Name', email: `${fb}@fb.test` });

    // Linking needs the account's token.
    const anon = await start(new Browser(), 'facebook', { token: 'not-a-token' });
    expect(anon.status).toBe(401);
    // A script asks for the provider URL as JSON (it cannot read a 302).
    const asJson = await fetch(`${p.url}/api/v1/auth/oauth/facebook/start?redirectUri=${DONE}&link=true`, {
      headers: { authorization: `Bearer ${user.accessToken}`, accept: 'application/json' },
    });
    expect(asJson.status).toBe(200);
    expect(new URL((await asJson.json()).authorizationUrl).searchParams.get('code_challenge_method')).toBe('S256');
    const linked = await signIn('facebook', fb, { token: user.accessToken });
    expect(linked.searchParams.get('linked')).toBe('facebook');
    expect(linked.searchParams.get('code')).toBeNull();
    await p.smtp.waitFor(`${sub}@gmail.test`, (m) => /Facebook/.test(m.subject));
    const ids = await p.http.get('/api/v1/auth/identities', { token: user.accessToken });
    expect(ids.body.items.map((i: { provider: string }) => i.provider)).toEqual(['google', 'facebook']);
    expect((await signInTokens('facebook', fb)).user.id).toBe(user.user.id);

    // An identity already someone else's is never moved.
    const stranger = await createVerifiedUser(p);
    const taken = await signIn('facebook', fb, { token: stranger.accessToken });
    expect(taken.searchParams.get('error')).toBe('identity_in_use');

    // Two unlinks at once: one wins, the other finds the last way in and is refused.
    const [u1, u2] = await Promise.all([
      p.http.delete('/api/v1/auth/identities/google', { token: user.accessToken }),
      p.http.delete('/api/v1/auth/identities/facebook', { token: user.accessToken }),
    ]);
    expect([u1.status, u2.status].sort()).toEqual([204, 409]);
    expect([u1.body?.code, u2.body?.code]).toContain('last_login_method');
    const left = await p.http.get('/api/v1/auth/identities', { token: user.accessToken });
    expect(left.body.items).toHaveLength(1);
    const missing = await p.http.delete('/api/v1/auth/identities/apple', { token: user.accessToken });
    expect(missing.status).toBe(404);
    // A password account may drop its only provider.
    const withPassword = await createVerifiedUser(p);
    const g2 = `g-${uid()}`;
    google.accounts.set(g2, { sub: g2, email: `${g2}@gmail.test`, email_verified: true });
    expect((await signIn('google', g2, { token: withPassword.accessToken })).searchParams.get('linked')).toBe('google');
    expect((await p.http.delete('/api/v1/auth/identities/google', { token: withPassword.accessToken })).status).toBe(
      204,
    );
  });

  it('the provider’s name and picture fill an empty profile, never overwrite one the user set', async () => {
    const sub = `g-${uid()}`;
    google.accounts.set(sub, {
      sub,
      email: `${sub}@gmail.test`,
      email_verified: true,
      name: 'Putu Profil',
      picture: google.pictureUrl(sub),
    });
    const user = await signInTokens('google', sub);
    const profile = await eventually(async () => {
      const r = await p.http.get('/api/v1/users/me', { token: user.accessToken });
      return r.body.avatarUrl ? r.body : undefined;
    });
    expect(profile).toMatchObject({ displayName: 'Putu Profil' });
    expect(profile.avatarUrl).toMatch(/\.webp$|\/avatars\//);

    // A user who set a name keeps it when linking a provider with another name.
    const owner = await createVerifiedUser(p, { name: 'Kadek' });
    const patched = await p.http.patch('/api/v1/users/me', { displayName: 'Kadek Asli' }, { token: owner.accessToken });
    expect(patched.status).toBe(200);
    const fb = `fb${uid()}`;
    facebook.users.set(fb, { id: fb, name: 'Nama Lain', email: `${fb}@fb.test` });
    expect((await signIn('facebook', fb, { token: owner.accessToken })).searchParams.get('linked')).toBe('facebook');
    const after = await p.http.get('/api/v1/users/me', { token: owner.accessToken });
    expect(after.body.displayName).toBe('Kadek Asli');
  });
  it('attacker: a state older than 10 minutes and a code older than 60 seconds are refused', async () => {
    const sub = `g-${uid()}`;
    google.accounts.set(sub, { sub, email: `${sub}@gmail.test`, email_verified: true });
    const db = new pg.Client({ connectionString: p.dbUrls.auth });
    await db.connect();
    try {
      const b = new Browser();
      const s = await start(b, 'google');
      const cb = await atProvider(b, 'google', s.headers.get('location')!, sub);
      await db.query(`update oauth_states set expires_at = now() - interval '1 second' where used_at is null`);
      const late = await callback(b, cb);
      expect(late.status).toBe(400);
      expect((await late.json()).code).toBe('invalid_state');

      const code = (await signIn('google', sub)).searchParams.get('code')!;
      await db.query(`update oauth_exchange_codes set expires_at = now() - interval '1 second' where used_at is null`);
      expect((await exchange(code)).body.code).toBe('invalid_code');
      // Only hashes are stored.
      const stored = await db.query('select code_hash from oauth_exchange_codes');
      expect(stored.rows.map((r) => r.code_hash)).not.toContain(code);
    } finally {
      await db.end();
    }
  });

  const providerRefuses =
    'the provider refusing (access_denied) sends the browser back with an error; an oversized form is ' + '413';
  it(providerRefuses, async () => {
    const s = await start(new Browser(), 'google');
    const state = new URL(s.headers.get('location')!).searchParams.get('state')!;
    const denied = await new Browser().get(
      `${p.url}/api/v1/auth/oauth/google/callback?error=access_denied&state=${encodeURIComponent(state)}`,
    );
    expect(denied.status).toBe(302);
    expect(new URL(denied.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
    const big = await fetch(`${p.url}/api/v1/auth/oauth/apple/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `state=x&user=${'a'.repeat(2_000_000)}`,
    });
    expect(big.status).toBe(413);
  });

  it('attacker: a provider-verified email never links to an unverified PetPro account', async () => {
    const email = `pre-${uid()}@example.test`;
    const reg = await p.http.post('/api/v1/auth/register', { email, password: 'kata sandi penyerang 1', name: 'Pre' });
    expect(reg.status).toBe(201);
    const sub = `g-${uid()}`;
    google.accounts.set(sub, { sub, email, email_verified: true });
    expect((await signIn('google', sub)).searchParams.get('error')).toBe('account_exists');
  });

  const squatTakenBack =
    'attacker: an account made with someone else’s address via Facebook is lost to the owner when they ' +
    'prove the address';
  it(squatTakenBack, async () => {
    const email = `victim-${uid()}@example.test`;
    const fb = `fb${uid()}`;
    facebook.users.set(fb, { id: fb, name: 'Mallory', email });
    const squatter = await signInTokens('facebook', fb);
    expect(squatter.user.email).toBe(email);

    // The owner of the address resets the password from the mail.
    expect((await p.http.post('/api/v1/auth/password/forgot', { email })).status).toBe(202);
    const mail = await p.smtp.waitFor(email, (m) => m.text.includes('token='));
    const reset = await p.http.post('/api/v1/auth/password/reset', {
      token: verificationToken(mail.text),
      password: 'pemilik asli alamat ini',
    });
    expect(reset.status).toBe(204);

    // The squatter's session is over and Facebook no longer opens the account.
    expect((await me(squatter.accessToken)).status).toBe(401);
    expect((await signIn('facebook', fb)).searchParams.get('error')).toBe('account_exists');
    const owner = await p.http.post('/api/v1/auth/login', { email, password: 'pemilik asli alamat ini' });
    expect(owner.status).toBe(200);
    expect((await me(owner.body.accessToken)).body).toMatchObject({ providers: [], emailVerified: true });
  });
  const mfaAfterSocial =
    'an account with a second factor gets the MFA challenge after a social sign-in, like a password ' + 'login';
  it(mfaAfterSocial, async () => {
    const user = await createVerifiedUser(p);
    const secret = await enableTotp(p, user);
    const sub = `g-${uid()}`;
    google.accounts.set(sub, { sub, email: `${sub}@gmail.test`, email_verified: true });
    expect((await signIn('google', sub, { token: user.accessToken })).searchParams.get('linked')).toBe('google');

    const code = (await signIn('google', sub)).searchParams.get('code')!;
    const answer = await exchange(code);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ mfaRequired: true, methods: expect.arrayContaining(['totp']) });
    expect(answer.body.accessToken).toBeUndefined();
    const done = await p.http.post('/api/v1/auth/mfa/verify', {
      mfaToken: answer.body.mfaToken,
      method: 'totp',
      code: totpCode(secret),
    });
    expect(done.status, done.text).toBe(200);
    expect(done.body.user.id).toBe(user.userId);
  });
});
