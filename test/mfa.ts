/** Test helpers for second factors: authenticator codes computed from the secret, a local SMS receiver. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Secret, TOTP } from 'otpauth';
import { eventually } from '@petpro/kit/testing';
import type { PlatformClient } from './platform.ts';
import { login, type TestUser } from './users.ts';

/** The code an authenticator app shows for `secret`, `steps` 30-second steps from now. */
export function totpCode(secret: string, steps = 0): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: Date.now() + steps * 30_000,
  });
}

/**
 * Turns the authenticator app on for `u` and returns its secret. The enabling code is the previous
 * step's, so that the current step's code is still fresh for the next login.
 */
export async function enableTotp(p: PlatformClient, u: TestUser): Promise<string> {
  const setup = await p.http.post('/api/v1/auth/mfa/totp/setup', undefined, { token: u.accessToken });
  if (setup.status !== 200) throw new Error(`totp setup failed: ${setup.status} ${setup.text}`);
  const secret: string = setup.body.secret;
  const on = await p.http.post(
    '/api/v1/auth/mfa/totp/enable',
    { code: totpCode(secret, -1) },
    { token: u.accessToken },
  );
  if (on.status !== 200) throw new Error(`totp enable failed: ${on.status} ${on.text}`);
  return secret;
}

/** Logs in up to the second factor: the mfaToken (throws unless the login asks for one). */
export async function mfaTokenOf(p: PlatformClient, u: Pick<TestUser, 'email' | 'password'>): Promise<string> {
  const res = await p.http.post('/api/v1/auth/login', { email: u.email, password: u.password });
  if (res.status !== 200 || !res.body.mfaRequired)
    throw new Error(`expected an MFA challenge: ${res.status} ${res.text}`);
  return res.body.mfaToken;
}

/** Logs in with a TOTP second factor (a code `steps` steps from now); the tokens as `login` gives them. */
export async function loginWithTotp(p: PlatformClient, u: TestUser, secret: string, steps = 0): Promise<TestUser> {
  const mfaToken = await mfaTokenOf(p, u);
  const res = await p.http.post('/api/v1/auth/mfa/verify', { mfaToken, method: 'totp', code: totpCode(secret, steps) });
  if (res.status !== 200) throw new Error(`mfa verify failed: ${res.status} ${res.text}`);
  return { ...u, accessToken: res.body.accessToken, refreshToken: res.body.refreshToken };
}

export { login };

export interface ReceivedText {
  to: string;
  text: string;
  purpose: string;
  from: string;
}

/** A local HTTP receiver for `SMS_PROVIDER=webhook`: keeps every text, answers 200 (or `status`). */
export async function startSmsReceiver() {
  const texts: ReceivedText[] = [];
  let status = 200;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (status === 200) texts.push(JSON.parse(body) as ReceivedText);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `sms-${texts.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    texts,
    /** Makes the receiver answer `code` (e.g. 503, 400) instead of accepting. */
    answer(code: number) {
      status = code;
    },
    /** The latest text to `to` matching `match`, waiting for it. */
    waitFor(to: string, match: (t: ReceivedText) => boolean = () => true, after = 0): Promise<ReceivedText> {
      return eventually(
        () =>
          texts
            .slice(after)
            .reverse()
            .find((t) => t.to === to && match(t)),
        10_000,
        50,
      );
    },
    /** The 6-digit code in the latest text to `to` sent after the `after`-th text. */
    async codeFor(to: string, after = 0): Promise<string> {
      const t = await this.waitFor(to, (x) => /\b\d{6}\b/.test(x.text), after);
      return /\b(\d{6})\b/.exec(t.text)![1]!;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type SmsReceiver = Awaited<ReturnType<typeof startSmsReceiver>>;
