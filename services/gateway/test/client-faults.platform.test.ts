/**
 * Issue 10 on the real platform: client-caused failures. Four anonymous requests with a cursor
 * holding a NUL byte made the clinic service answer 500 (PostgreSQL refused the string), and the
 * fifth, and every other client's clinic request, then got 503 `circuit_open`. A revoked session's
 * token must also be refused by the services themselves, not only by the gateway.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeCursor } from '@petpro/kit';
import { eventually, httpClient } from '@petpro/kit/testing';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser } from '../../../test/users.ts';
import { request } from './harness.ts';

let p: Platform;

beforeAll(async () => {
  p = await startPlatform({
    databaseUrl: inject('databaseUrl'),
    services: ['auth', 'user', 'clinic'],
    env: { BREAKER_VOLUME_THRESHOLD: '5', BREAKER_WINDOW_MS: '10000' },
  });
});
afterAll(async () => {
  await p?.stop();
});

const id = '0190f5a4-5c3e-7000-8000-000000000001';
const b64 = (raw: string) => Buffer.from(raw, 'utf8').toString('base64url');
/** Cursors no page ever wrote, for the three orders of the clinic search. */
const MALFORMED: Array<[string, string]> = [
  ['', b64(`{"n":"\\u0000","id":"${id}"}`)],
  ['', encodeCursor({ n: 'Klinik\u0000', id })],
  ['', encodeCursor({ n: 'a\u0007b', id })],
  ['', encodeCursor({ n: '\ud800', id })],
  ['', encodeCursor({ n: 12, id })],
  ['', encodeCursor({ n: 'Klinik', id: 'x' })],
  ['&near=-6.2,106.8', encodeCursor({ d: -1, id })],
  ['&near=-6.2,106.8', encodeCursor({ d: 1e308, id })],
  ['&near=-6.2,106.8', encodeCursor({ d: 'far', id })],
  ['&q=klinik', encodeCursor({ t: 7, id })],
  ['&q=klinik', encodeCursor({ t: 0.5, id })],
  ['&q=klinik', encodeCursor({ t: -1, id })],
  ['', 'not-a-cursor'],
  ['', b64('[1,2]')],
];

describe('client-caused failures on the real platform', () => {
  it(
    '50 malformed cursors in 10 s get 400 invalid_cursor ' + 'and leave clinic routes answering 200 for others',
    async () => {
      const started = Date.now();
      for (let i = 0; i < 50; i++) {
        const [extra, cursor] = MALFORMED[i % MALFORMED.length]!;
        const r = await request(p.url, `/api/v1/clinics?cursor=${encodeURIComponent(cursor)}${extra}`, {
          from: '127.70.0.1',
        });
        expect([r.status, r.body.code], `case ${i % MALFORMED.length}`).toEqual([400, 'invalid_cursor']);
        if (i % 10 === 9) expect((await request(p.url, '/api/v1/clinics', { from: '127.70.0.2' })).status).toBe(200);
      }
      expect(Date.now() - started).toBeLessThan(10_000);
      for (const path of ['/api/v1/clinics', '/api/v1/clinics?q=klinik', '/api/v1/clinics?near=-6.2,106.8'])
        expect((await request(p.url, path, { from: '127.70.0.3' })).status, path).toBe(200);
      expect(p.gateway.breakers.state('clinic')).toBe('closed');
    },
  );

  it('a revoked session’s token is refused by the services themselves within seconds', async () => {
    const u = await createVerifiedUser(p);
    const direct = httpClient(p.services.user!.url);
    const before = await direct.get('/api/v1/users/me', { token: u.accessToken });
    expect(before.status, before.text).toBe(200);
    expect((await p.http.post('/api/v1/auth/logout', undefined, { token: u.accessToken })).status).toBe(204);
    const refused = await eventually(async () => {
      const r = await direct.get('/api/v1/users/me', { token: u.accessToken });
      return r.status === 401 ? r : undefined;
    }, 8_000);
    expect(refused.body.code).toBe('session_revoked');
  });
});
