import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { eventually } from '@petpro/kit/testing';
import { ServiceCredentials } from '@petpro/kit';
import { startPlatform, TEST_SECRET, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser, login } from '../../../test/users.ts';

let p: Platform;

beforeAll(async () => {
  // No session cap: the test's own login must not evict the 12,000 sessions it revokes at once.
  p = await startPlatform({
    databaseUrl: inject('databaseUrl'),
    services: ['auth'],
    env: { MAX_SESSIONS_PER_USER: '0' },
  });
});
afterAll(async () => {
  await p?.stop();
});

// Regression: the revocation feed returned at most 10,000 sessions and the gateway moved on past
// them, so a mass revocation (one statement, one timestamp) could leave some tokens working.
describe('session revocations reach the gateway', () => {
  it('even when one statement revokes more sessions than one page holds', async () => {
    const u = await createVerifiedUser(p);
    const db = new pg.Client({ connectionString: p.dbUrls.auth });
    await db.connect();
    let token: string;
    try {
      // 12,000 other sessions whose ids sort before the real one (and are stored before it), then all
      // revoked at one instant.
      await db.query(
        `insert into sessions (id, user_id, idle_expires_at, expires_at)
         select ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, $1,
                now() + interval '1 day', now() + interval '1 day'
         from generate_series(1, 12000) n`,
        [u.userId],
      );
      token = (await login(p, u.email, u.password)).accessToken;
      expect((await p.http.get('/api/v1/auth/me', { token })).status).toBe(200);
      const r = await db.query(
        `update sessions set revoked_at = now(), revoked_reason = 'admin_forced'
         where user_id = $1 and revoked_at is null`,
        [u.userId],
      );
      expect(r.rowCount).toBe(12_002);
    } finally {
      await db.end();
    }
    await eventually(async () => (await p.http.get('/api/v1/auth/me', { token })).status === 401, 5_000, 100);

    // The feed itself hands out every revoked session exactly once, page after page.
    const credentials = new ServiceCredentials(TEST_SECRET, 'gateway');
    const seen = new Set<string>();
    let query = `since=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`;
    for (let pages = 0; pages < 10; pages++) {
      const res = await fetch(`${p.services.auth!.url}/internal/sessions/revocations?${query}`, {
        headers: { 'x-service-token': await credentials.token() },
      });
      const page = (await res.json()) as {
        items: Array<{ sessionId: string }>;
        next: { since: string; after: string } | null;
      };
      for (const item of page.items) seen.add(item.sessionId);
      if (!page.next) break;
      query = `since=${encodeURIComponent(page.next.since)}&after=${page.next.after}`;
    }
    expect(seen.size).toBe(12_002);
  });
});
