import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createDatabase,
  createStore,
  createWebPushDelivery,
  type Database,
  generateVapidKeys,
  MemoryRegistry,
  type NotificationMessage,
  type NotificationRecipient,
  parsePushConfig,
  pushChannel,
  ServiceClient,
  SERVICE_TOKEN_HEADER,
  ServiceCredentials,
  createLogger,
} from '@petpro/kit';
import { eventually } from '@petpro/kit/testing';
import { startPlatform, TEST_SECRET, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser, type TestUser } from '../../../test/users.ts';
import { startPushService, subscriptionJson, type LocalPushService } from '../../../test/push.ts';
import type { DB } from '../src/db.ts';
import { repositoriesOver } from '../src/store.ts';
import { inAppChannel, NotificationsService } from '../src/notifications/notifications.service.ts';
import { PushSubscriptionDirectory } from '../src/upstream/push-subscriptions.client.ts';

/**
 * The in_app and push channels of the booking service, driven as the reminder worker drives them
 * (ChannelSender.send with a delivery's idempotency key), and seen as users see them: the inbox
 * through the gateway, the push payload decrypted at a local push service.
 */
let p: Platform;
let push: LocalPushService;
let bookingDb: Database<DB>;
let a: TestUser;
let b: TestUser;
const vapid = generateVapidKeys();
const SUBJECT = 'mailto:ops@petpro.test';
const env = {
  VAPID_PUBLIC_KEY: vapid.publicKey,
  VAPID_PRIVATE_KEY: vapid.privateKey,
  VAPID_SUBJECT: SUBJECT,
  PUSH_ALLOW_LOCAL_ENDPOINTS: 'true',
};
const log = createLogger('test', 'silent');

const message = (n: number): NotificationMessage => ({
  purpose: 'appointment_reminder',
  subject: `Pengingat janji temu ${n}`,
  shortText: `Besok 09:00 di Klinik Sehat (${n})`,
  longText: 'Besok 09:00 di Klinik Sehat',
  link: 'https://app.petpro.test/bookings/1',
  data: { bookingId: '0193a1b2-0000-7000-8000-000000000001', n },
});
const recipient = (u: TestUser): NotificationRecipient => ({
  userId: u.userId,
  language: 'id',
  timeZone: 'Asia/Jakarta',
});

let inApp: ReturnType<typeof inAppChannel>;

beforeAll(async () => {
  push = await startPushService();
  p = await startPlatform({ databaseUrl: inject('databaseUrl'), services: ['auth', 'user', 'booking'], env });
  bookingDb = createDatabase<DB>(p.dbUrls.booking!);
  inApp = inAppChannel(new NotificationsService(createStore(bookingDb.db, repositoriesOver), 90));
  [a, b] = await Promise.all([createVerifiedUser(p), createVerifiedUser(p)]);
});
afterAll(async () => {
  await bookingDb?.close();
  await p?.stop();
  await push?.close();
});

describe('in-app inbox: attacks first', () => {
  it('never lists or marks another user’s entry; a forged cursor is a 400', async () => {
    const { id } = await inApp.send(recipient(a), message(1), { idempotencyKey: `k:${crypto.randomUUID()}` });
    const listB = await p.http.get('/api/v1/notifications', { token: b.accessToken });
    expect(listB.status).toBe(200);
    expect(listB.body.items.map((n: { id: string }) => n.id)).not.toContain(id);
    const read = await p.http.post(`/api/v1/notifications/${id}/read`, undefined, { token: b.accessToken });
    expect(read.status).toBe(404);
    expect(read.body.code).toBe('notification_not_found');
    expect((await p.http.post('/api/v1/notifications/read-all', undefined, { token: b.accessToken })).status).toBe(200);
    const listA = await p.http.get('/api/v1/notifications', { token: a.accessToken });
    expect(listA.body.items.find((n: { id: string }) => n.id === id).readAt).toBeNull();
    for (const cursor of ['garbage', Buffer.from('{"i":"x"}').toString('base64url')]) {
      const bad = await p.http.get(`/api/v1/notifications?cursor=${cursor}`, { token: a.accessToken });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('invalid_cursor');
    }
    expect(
      (await p.http.post('/api/v1/notifications/not-a-uuid/read', undefined, { token: a.accessToken })).status,
    ).toBe(400);
    expect((await p.http.get('/api/v1/notifications')).status).toBe(401);
  });

  it('store a retried (or raced) delivery once, with one socket event', async () => {
    const u = await createVerifiedUser(p);
    const key = `reminder:${crypto.randomUUID()}:60:in_app`;
    const sends = await Promise.all(
      Array.from({ length: 5 }, () => inApp.send(recipient(u), message(2), { idempotencyKey: key })),
    );
    expect(new Set(sends.map((s) => s.id)).size).toBe(1);
    const list = await p.http.get('/api/v1/notifications', { token: u.accessToken });
    expect(list.body.items).toHaveLength(1);
    const events = await bookingDb.db
      .selectFrom('outbox_events')
      .selectAll()
      .where('owner_id', '=', u.userId)
      .where('type', '=', 'reminder')
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.clinic_id).toBeNull();
    expect(events[0]!.payload).toMatchObject({ id: sends[0]!.id, title: 'Pengingat janji temu 2' });
  });
});

describe('in-app inbox', () => {
  it('page newest first with the unread count, mark one and all read', async () => {
    const u = await createVerifiedUser(p);
    const ids: string[] = [];
    for (let n = 0; n < 5; n++)
      ids.push((await inApp.send(recipient(u), message(n), { idempotencyKey: `k:${crypto.randomUUID()}` })).id);
    const first = await p.http.get('/api/v1/notifications?limit=2', { token: u.accessToken });
    expect(first.status).toBe(200);
    expect(first.body.unreadCount).toBe(5);
    expect(first.body.items.map((n: { id: string }) => n.id)).toEqual([ids[4], ids[3]]);
    expect(first.body.items[0]).toEqual({
      id: ids[4],
      purpose: 'appointment_reminder',
      title: 'Pengingat janji temu 4',
      body: 'Besok 09:00 di Klinik Sehat (4)',
      link: 'https://app.petpro.test/bookings/1',
      data: { bookingId: '0193a1b2-0000-7000-8000-000000000001', n: 4 },
      createdAt: expect.any(String),
      readAt: null,
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await p.http.get(
        `/api/v1/notifications?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: u.accessToken },
      );
      seen.push(...page.body.items.map((n) => n.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const read = await p.http.post(`/api/v1/notifications/${ids[0]}/read`, undefined, { token: u.accessToken });
    expect(read.status).toBe(200);
    expect(read.body.readAt).toEqual(expect.any(String));
    const again = await p.http.post(`/api/v1/notifications/${ids[0]}/read`, undefined, { token: u.accessToken });
    expect(again.body.readAt).toBe(read.body.readAt);
    const unread = await p.http.get('/api/v1/notifications?unread=true', { token: u.accessToken });
    expect(unread.body.unreadCount).toBe(4);
    expect(unread.body.items).toHaveLength(4);
    const all = await p.http.post('/api/v1/notifications/read-all', undefined, { token: u.accessToken });
    expect(all.body).toEqual({ updated: 4 });
    expect((await p.http.get('/api/v1/notifications', { token: u.accessToken })).body.unreadCount).toBe(0);
  });

  it('are removed after BOOKING_INBOX_KEEP_DAYS (90), read or not, by the hourly purge or an operator', async () => {
    const u = await createVerifiedUser(p);
    const send = (n: number) => inApp.send(recipient(u), message(n), { idempotencyKey: `k:${crypto.randomUUID()}` });
    const [old, recent] = [(await send(1)).id, (await send(2)).id];
    await bookingDb.db
      .updateTable('notifications')
      .set({ created_at: new Date(Date.now() - 91 * 86_400_000) })
      .where('id', '=', old)
      .execute();
    const url = `${p.services.booking!.url}/internal/maintenance/purge-notifications`;
    // Only the operators' credential may ask.
    const booking = new ServiceCredentials(TEST_SECRET, 'booking');
    const denied = await fetch(url, { method: 'POST', headers: { [SERVICE_TOKEN_HEADER]: await booking.token() } });
    expect(denied.status).toBe(403);
    const ops = new ServiceCredentials(TEST_SECRET, 'ops');
    const res = await fetch(url, { method: 'POST', headers: { [SERVICE_TOKEN_HEADER]: await ops.token() } });
    expect(res.status).toBe(200);
    expect((await res.json()).purged).toBeGreaterThanOrEqual(1);
    const inbox = await p.http.get('/api/v1/notifications', { token: u.accessToken });
    expect(inbox.body.items.map((n: { id: string }) => n.id)).toEqual([recent]);
    expect(inbox.body.unreadCount).toBe(1);
  });

  it('reaches an open socket as a `reminder` event (once the real-time socket exists)', async (ctx) => {
    const u = await createVerifiedUser(p);
    const ticket = await p.http.post('/api/v1/realtime/ticket', undefined, { token: u.accessToken });
    if (ticket.status === 404) ctx.skip(); // the real-time socket is not in this build yet
    expect(ticket.status).toBe(200);
    const ws = new WebSocket(`${p.url.replace(/^http/, 'ws')}/ws?ticket=${ticket.body.ticket}`);
    const received: Array<{ type: string; data: Record<string, unknown> }> = [];
    ws.addEventListener('message', (e) => received.push(JSON.parse(String(e.data))));
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve);
      ws.addEventListener('error', reject);
    });
    try {
      const { id } = await inApp.send(recipient(u), message(9), { idempotencyKey: `k:${crypto.randomUUID()}` });
      await eventually(() => received.some((m) => m.type === 'reminder'), 10_000, 50);
      const reminders = received.filter((m) => m.type === 'reminder');
      expect(reminders).toHaveLength(1);
      expect(reminders[0]!.data).toMatchObject({ id, title: 'Pengingat janji temu 9' });
    } finally {
      ws.close();
    }
  });
});

describe('push channel', () => {
  const credentials = new ServiceCredentials(TEST_SECRET, 'booking');
  let client: ServiceClient;
  beforeAll(() => {
    client = new ServiceClient({
      registry: new MemoryRegistry(),
      credentials,
      staticUrls: { user: p.services.user!.url },
    });
  });
  const channelWith = (allowLocal: boolean) => {
    const config = parsePushConfig({ ...env, PUSH_ALLOW_LOCAL_ENDPOINTS: String(allowLocal) }, { NODE_ENV: 'test' });
    const delivery = createWebPushDelivery(config, config.vapid!);
    return { delivery, channel: pushChannel({ subscriptions: new PushSubscriptionDirectory(client), delivery, log }) };
  };
  const subscribe = async (u: TestUser) => {
    const device = push.subscribe();
    const res = await p.http.post('/api/v1/users/me/push-subscriptions', subscriptionJson(device), {
      token: u.accessToken,
    });
    expect(res.status).toBe(201);
    return { device, id: res.body.id as string };
  };

  const refusesLoopback =
    'refuses, at send time, a stored endpoint on a loopback address unless the test-only setting allows it';
  it(refusesLoopback, async () => {
    const u = await createVerifiedUser(p);
    const { device } = await subscribe(u);
    const { channel, delivery } = channelWith(false);
    try {
      await expect(channel.send(recipient(u), message(1), { idempotencyKey: 'k:ssrf' })).rejects.toMatchObject({
        code: 'no_push_subscription',
        permanent: true,
      });
      await expect(delivery.deliver(device, { x: 1 }, {})).rejects.toMatchObject({ code: 'endpoint_refused' });
      expect(push.receivedBy(device)).toHaveLength(0);
      expect(push.rejected.filter((r) => device.endpoint.endsWith(r.path))).toHaveLength(0);
    } finally {
      await delivery.close();
    }
  });

  const deliversOnce =
    'delivers exactly one payload that decrypts with the browser’s keys, signed by our VAPID key; ' +
    'a 410 device is removed';
  it(deliversOnce, async () => {
    const u = await createVerifiedUser(p);
    const live = await subscribe(u);
    const expired = await subscribe(u);
    push.answer(expired.device, 410);
    const other = await subscribe(b);
    const { channel, delivery } = channelWith(true);
    try {
      const key = `reminder:${crypto.randomUUID()}:60:push`;
      const result = await channel.send(recipient(u), message(7), { idempotencyKey: key });
      expect(result.id).toMatch(/^push:/);
      const got = push.receivedBy(live.device);
      expect(got).toHaveLength(1);
      expect(got[0]!.payload).toEqual({
        title: 'Pengingat janji temu 7',
        body: 'Besok 09:00 di Klinik Sehat (7)',
        url: 'https://app.petpro.test/bookings/1',
        purpose: 'appointment_reminder',
        tag: got[0]!.topic,
        data: { bookingId: '0193a1b2-0000-7000-8000-000000000001', n: 7 },
      });
      expect(got[0]!.vapidKey).toBe(vapid.publicKey);
      expect(got[0]!.claims).toMatchObject({ aud: push.origin, sub: SUBJECT });
      expect(Number(got[0]!.ttl)).toBeGreaterThan(0);
      expect(push.receivedBy(expired.device)).toHaveLength(0);
      expect(push.receivedBy(other.device)).toHaveLength(0);
      expect(push.rejected).toEqual([]);
      const left = await client.json<{ items: Array<{ id: string }> }>('user', {
        path: `/internal/users/${u.userId}/push-subscriptions`,
      });
      expect(left.items.map((s) => s.id)).toEqual([live.id]);
    } finally {
      await delivery.close();
    }
  });

  it('is retryable when the push service is down, and permanent when the user has no device', async () => {
    const u = await createVerifiedUser(p);
    const { device } = await subscribe(u);
    push.answer(device, 503);
    const { channel, delivery } = channelWith(true);
    try {
      await expect(channel.send(recipient(u), message(3), { idempotencyKey: 'k:down' })).rejects.toMatchObject({
        code: 'push_unavailable',
        permanent: false,
      });
      const nobody = await createVerifiedUser(p);
      await expect(channel.send(recipient(nobody), message(3), { idempotencyKey: 'k:none' })).rejects.toMatchObject({
        code: 'no_push_subscription',
        permanent: true,
      });
    } finally {
      await delivery.close();
    }
  });
});
