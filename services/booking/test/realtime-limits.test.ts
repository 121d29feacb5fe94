/**
 * What keeps the real-time server standing: caps per user, message rate and size, a heartbeat that
 * drops silent peers, backpressure on clients that do not read, graceful shutdown with 1012 and a
 * spread reconnect hint; and reminder events reaching their one user (how the reminders issue sends).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import WebSocket from 'ws';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { serviceDb } from '../../../test/databases.ts';
import { createVerifiedUser } from '../../../test/users.ts';
import { openSocket, quiet, type TestSocket } from '../../../test/realtime.ts';

let p: Platform;
beforeAll(async () => {
  p = await startPlatform({
    databaseUrl: inject('databaseUrl'),
    services: ['auth', 'booking'],
    env: {
      BOOKING_WS_MAX_PER_USER: '2',
      BOOKING_WS_HEARTBEAT_MS: '1000',
      BOOKING_WS_MAX_BUFFER_BYTES: '65536',
      BOOKING_WS_MESSAGES_PER_10S: '10',
      BOOKING_REALTIME_POLL_MS: '200',
    },
  });
});
const sockets: TestSocket[] = [];
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await p?.stop();
});
async function open(opts: Parameters<typeof openSocket>[1], url = p.url): Promise<TestSocket> {
  const s = await openSocket(url, opts);
  sockets.push(s);
  return s;
}

/** Appends events for one user to the booking outbox, as the reminders feature does (see README, Real-time). */
async function appendReminders(userId: string, count: number, payload: Record<string, unknown>): Promise<void> {
  await serviceDb(
    p,
    'booking',
    `insert into outbox_events (id, type, aggregate_id, clinic_id, owner_id, payload)
     select gen_random_uuid(), 'reminder', gen_random_uuid(), null, $1, $2::jsonb from generate_series(1, $3)`,
    [userId, JSON.stringify(payload), count],
  );
}

describe('real-time limits', () => {
  it('delivers a reminder appended to the outbox to its user only', async () => {
    const user = await createVerifiedUser(p);
    const other = await createVerifiedUser(p);
    const mine = await open({ token: user.accessToken });
    const theirs = await open({ token: other.accessToken });
    await appendReminders(user.userId, 1, { bookingId: randomUUID(), text: 'Besok jam 09:00' });
    const r = await mine.next((m) => m.type === 'reminder', 2_000);
    expect(r).toMatchObject({ id: expect.any(Number), data: { text: 'Besok jam 09:00' } });
    await quiet(300);
    expect(theirs.events()).toEqual([]);
  });

  it('caps sockets per user (429), and counts a closed one out', async () => {
    const user = await createVerifiedUser(p);
    const a = await open({ token: user.accessToken });
    await open({ token: user.accessToken });
    await expect(openSocket(p.url, { token: user.accessToken })).rejects.toMatchObject({ status: 429 });
    await a.close();
    await quiet(100);
    await open({ token: user.accessToken });
  });

  it('refuses messages past the rate, then closes with 1008', async () => {
    const user = await createVerifiedUser(p);
    const s = await open({ token: user.accessToken });
    for (let i = 0; i < 25; i++) s.send({ type: 'ping' });
    await s.next((m) => m.type === 'error' && m.code === 'rate_limited');
    expect((await s.closed).code).toBe(1008);
    expect(s.messages.filter((m) => m.type === 'pong').length).toBeLessThanOrEqual(10);
  });

  it('drops a peer that stops answering pings', async () => {
    const user = await createVerifiedUser(p);
    const ws = new WebSocket(`${p.url.replace('http', 'ws')}/ws`, {
      headers: { authorization: `Bearer ${user.accessToken}` },
      autoPong: false,
    });
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    await new Promise((r) => ws.once('open', r));
    const t0 = Date.now();
    await closed;
    // Pinged at most a second after opening, dropped at the next beat.
    expect(Date.now() - t0).toBeLessThan(4_000);
  });

  it('disconnects a client that does not read instead of buffering without limit', async () => {
    const user = await createVerifiedUser(p);
    const s = await open({ token: user.accessToken });
    s.ws.pause();
    // About 20 MB for one client: far past what the socket buffers and the 64 KiB bound hold.
    await appendReminders(user.userId, 200, { text: 'x'.repeat(100_000) });
    await quiet(3_000);
    s.ws.resume();
    const closed = await s.closed;
    expect([1013, 1006]).toContain(closed.code);
    expect(s.events().length).toBeLessThan(200);
  });

  it('closes with 1012 and a spread retryAfterMs hint on graceful shutdown', async () => {
    const extra = await p.startInstance('booking');
    const user = await createVerifiedUser(p);
    // Straight to the instance, with the token (the service verifies it itself when no gateway vouches).
    const s = await openSocket(extra.url, { token: user.accessToken });
    const stopping = extra.stop();
    const closed = await s.closed;
    await stopping;
    expect(closed.code).toBe(1012);
    const hint = JSON.parse(closed.reason) as { retryAfterMs: number };
    expect(hint.retryAfterMs).toBeGreaterThanOrEqual(0);
    expect(hint.retryAfterMs).toBeLessThan(5_000);
    expect(s.messages.at(-1)).toMatchObject({ type: 'restart', retryAfterMs: hint.retryAfterMs });
  });
});
