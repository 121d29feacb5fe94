import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateVapidKeys, ServiceCredentials, SERVICE_TOKEN_HEADER } from '@petpro/kit';
import { startPlatform, TEST_SECRET, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser, type TestUser } from '../../../test/users.ts';
import { startPushService, subscriptionJson, type LocalPushService } from '../../../test/push.ts';

/**
 * Web Push subscriptions through the gateway, in the production configuration (no
 * PUSH_ALLOW_LOCAL_ENDPOINTS): only https endpoints on public hosts are kept.
 */
let p: Platform;
let push: LocalPushService;
let a: TestUser;
let b: TestUser;
const vapid = generateVapidKeys();
const SUBS = '/api/v1/users/me/push-subscriptions';

/** A subscription as a browser on FCM would post it (the keys are real P-256 / auth values). */
function fcmSubscription() {
  const local = subscriptionJson(push.subscribe());
  return { ...local, endpoint: `https://fcm.googleapis.com/fcm/send/${crypto.randomUUID()}` };
}

beforeAll(async () => {
  push = await startPushService();
  p = await startPlatform({
    databaseUrl: inject('databaseUrl'),
    services: ['auth', 'user'],
    env: {
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      PUSH_SUBSCRIPTIONS_PER_USER_MAX: '3',
    },
  });
  [a, b] = await Promise.all([createVerifiedUser(p), createVerifiedUser(p)]);
});
afterAll(async () => {
  await p?.stop();
  await push?.close();
});

async function internalList(userId: string, as = 'booking') {
  const creds = new ServiceCredentials(TEST_SECRET, as);
  return fetch(`${p.services.user!.url}/internal/users/${userId}/push-subscriptions`, {
    headers: { [SERVICE_TOKEN_HEADER]: await creds.token() },
  });
}

describe('push subscriptions: attacks first', () => {
  it('refuse endpoints that are not https or point inside (SSRF), with a stable code', async () => {
    const sub = fcmSubscription();
    const bad = [
      'http://fcm.googleapis.com/fcm/send/x',
      push.subscribe().endpoint, // http://127.0.0.1:port/...
      'https://127.0.0.1/push',
      'https://10.1.2.3/push',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/push',
      'https://localhost/push',
      'https://user:pw@fcm.googleapis.com/x',
      'https://metadata/computeMetadata',
      'ftp://fcm.googleapis.com/x',
      'not a url',
    ];
    for (const endpoint of bad) {
      const res = await p.http.post(SUBS, { ...sub, endpoint }, { token: a.accessToken });
      expect(res.status, endpoint).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors[0].field).toBe('endpoint');
    }
  });

  it('refuse keys that are not a P-256 point and a 16-byte secret', async () => {
    const sub = fcmSubscription();
    const notOnCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url');
    for (const keys of [
      { ...sub.keys, p256dh: notOnCurve },
      { ...sub.keys, p256dh: sub.keys.p256dh.slice(0, 40) },
      { ...sub.keys, auth: Buffer.alloc(8).toString('base64url') },
      { ...sub.keys, auth: 'not base64url!' },
    ]) {
      const res = await p.http.post(SUBS, { ...sub, keys }, { token: a.accessToken });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
  });

  it('refuse oversized or padded subscription JSON (413 / 400), never a 500', async () => {
    const sub = fcmSubscription();
    const huge = await p.http.post(SUBS, { ...sub, junk: 'x'.repeat(50_000) }, { token: a.accessToken });
    expect(huge.status).toBe(413);
    const longEndpoint = await p.http.post(
      SUBS,
      { ...sub, endpoint: `https://fcm.googleapis.com/${'a'.repeat(2_000)}` },
      { token: a.accessToken },
    );
    expect(longEndpoint.status).toBe(400);
    const extra = await p.http.post(SUBS, { ...sub, extra: true }, { token: a.accessToken });
    expect(extra.status).toBe(400);
    expect((await p.http.post(SUBS, sub)).status).toBe(401);
  });

  it('never show, delete or hand out another user’s device', async () => {
    const created = await p.http.post(SUBS, fcmSubscription(), { token: a.accessToken });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const del = await p.http.delete(`${SUBS}/${id}`, { token: b.accessToken });
    expect(del.status).toBe(404);
    expect(del.body.code).toBe('push_subscription_not_found');
    expect((await p.http.delete(`${SUBS}/not-a-uuid`, { token: b.accessToken })).status).toBe(400);
    const listB = await (await internalList(b.userId)).json();
    expect(listB.items).toEqual([]);
    // The same endpoint posted by B is B's own row: A keeps the device.
    const again = await p.http.post(
      SUBS,
      { ...fcmSubscription(), endpoint: created.body.endpoint },
      { token: b.accessToken },
    );
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(id);
    const listA = await (await internalList(a.userId)).json();
    expect(listA.items.map((s: { id: string }) => s.id)).toContain(id);
    expect((await p.http.delete(`${SUBS}/${id}`, { token: a.accessToken })).status).toBe(204);
    expect((await p.http.delete(`${SUBS}/${id}`, { token: a.accessToken })).status).toBe(404);
  });

  it('keep at most the per-user cap under concurrent subscriptions, dropping the oldest', async () => {
    const u = await createVerifiedUser(p);
    const first = await p.http.post(SUBS, fcmSubscription(), { token: u.accessToken });
    const rest = await Promise.all(
      Array.from({ length: 6 }, () => p.http.post(SUBS, fcmSubscription(), { token: u.accessToken })),
    );
    expect(rest.every((r) => r.status === 201)).toBe(true);
    const { items } = await (await internalList(u.userId)).json();
    expect(items).toHaveLength(3);
    expect(items.map((s: { id: string }) => s.id)).not.toContain(first.body.id);
  });

  it('serve the internal list to the booking service only', async () => {
    expect((await internalList(a.userId, 'clinic')).status).toBe(403);
    const anonymous = await fetch(`${p.services.user!.url}/internal/users/${a.userId}/push-subscriptions`);
    expect(anonymous.status).toBe(401);
    expect((await p.http.get(`/internal/users/${a.userId}/push-subscriptions`)).status).toBe(404);
  });
});

describe('push subscriptions', () => {
  it('publish the VAPID public key to anyone', async () => {
    const res = await p.http.get('/api/v1/push/vapid-public-key');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ publicKey: vapid.publicKey });
  });

  it('keep a device, refresh it on a repeat, and give its keys to the push channel only', async () => {
    const sub = fcmSubscription();
    const created = await p.http.post(SUBS, sub, { token: a.accessToken });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      endpoint: sub.endpoint,
      expirationTime: null,
      createdAt: expect.any(String),
    });
    expect(JSON.stringify(created.body)).not.toContain(sub.keys.auth);
    const fresh = fcmSubscription().keys;
    const repeat = await p.http.post(SUBS, { ...sub, keys: fresh }, { token: a.accessToken });
    expect(repeat.status).toBe(200);
    expect(repeat.body.id).toBe(created.body.id);
    const { items } = await (await internalList(a.userId)).json();
    expect(items.find((s: { id: string }) => s.id === created.body.id)).toEqual({
      id: created.body.id,
      endpoint: sub.endpoint,
      keys: fresh,
    });
  });
});

describe('push without VAPID keys', () => {
  it('is off: 503 push_not_configured', async () => {
    const off = await startPlatform({ databaseUrl: inject('databaseUrl'), services: ['auth', 'user'] });
    try {
      const res = await off.http.get('/api/v1/push/vapid-public-key');
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('push_not_configured');
    } finally {
      await off.stop();
    }
  });
});
