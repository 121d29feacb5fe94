/**
 * Appointment reminders on the push and in_app channels, end to end through the gateway: a booking
 * minutes ahead with a 5-minute reminder on each channel gets exactly one Web Push payload that
 * decrypts at a local push service, and exactly one inbox entry, shown on the owner's open socket.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateVapidKeys } from '@petpro/kit';
import { eventually } from '@petpro/kit/testing';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { startPushService, subscriptionJson, type LocalPushService } from '../../../test/push.ts';
import { clinicOpenFrom, createOwner } from './helpers.ts';

const ZONE = 'Asia/Jakarta';
const vapid = generateVapidKeys();
let p: Platform;
let push: LocalPushService;

beforeAll(async () => {
  push = await startPushService();
  p = await startPlatform({
    databaseUrl: inject('databaseUrl'),
    env: {
      BOOKING_REMINDER_POLL_MS: '250',
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      PUSH_ALLOW_LOCAL_ENDPOINTS: 'true',
    },
  });
});
afterAll(async () => {
  await p?.stop();
  await push?.close();
});

describe('push and in_app reminders', () => {
  it('reach the browser once (decrypted at the push service) and the inbox once (and the open socket)', async () => {
    // The first whole minute at least 5 min 15 s ahead: a 5-minute reminder is due 15 to 75 s from now.
    const start = DateTime.now()
      .setZone(ZONE)
      .plus({ minutes: 5, seconds: 15 })
      .endOf('minute')
      .plus({ millisecond: 1 });
    const clinic = await clinicOpenFrom(p, start, 1);
    const owner = await createOwner(p, 'Dewi');
    const device = push.subscribe();
    const sub = await p.http.post('/api/v1/users/me/push-subscriptions', subscriptionJson(device), {
      token: owner.accessToken,
    });
    expect(sub.status, sub.text).toBe(201);

    const booked = await p.http.post(
      '/api/v1/bookings',
      {
        clinicId: clinic.id,
        serviceId: clinic.services[0]!.id,
        petIds: [owner.petId],
        start: start.toISO({ suppressMilliseconds: true }),
      },
      { token: owner.accessToken },
    );
    expect(booked.status, booked.text).toBe(201);
    const id = booked.body.id as string;
    const reminders = [
      { offsetMinutes: 5, channel: 'push' },
      { offsetMinutes: 5, channel: 'in_app' },
    ];
    const put = await p.http.put(`/api/v1/bookings/${id}/reminders`, { reminders }, { token: owner.accessToken });
    expect(put.status, put.text).toBe(200);

    const ticket = await p.http.post('/api/v1/realtime/ticket', undefined, { token: owner.accessToken });
    expect(ticket.status).toBe(200);
    const ws = new WebSocket(`${p.url.replace(/^http/, 'ws')}/ws?ticket=${ticket.body.ticket}`);
    const events: Array<{ type: string; data: Record<string, unknown> }> = [];
    ws.addEventListener('message', (e) => events.push(JSON.parse(String(e.data))));
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve);
      ws.addEventListener('error', reject);
    });
    try {
      const due = start.minus({ minutes: 5 }).toMillis();
      const inbox = () => p.http.get('/api/v1/notifications', { token: owner.accessToken });
      await eventually(
        async () => push.receivedBy(device).length > 0 && (await inbox()).body.items.length > 0,
        120_000,
        250,
      );
      expect(Date.now()).toBeGreaterThanOrEqual(due);
      // Time for any duplicate to show up, then count.
      await new Promise((r) => setTimeout(r, 3_000));

      const got = push.receivedBy(device);
      expect(got).toHaveLength(1);
      expect(push.rejected).toEqual([]);
      expect(got[0]!.payload).toMatchObject({ purpose: 'appointment_reminder', data: { bookingId: id } });
      expect(String(got[0]!.payload.title)).toContain('Vaksinasi');
      expect(String(got[0]!.payload.url)).toContain(`/bookings/${id}`);

      const list = await inbox();
      expect(list.body.items).toHaveLength(1);
      expect(list.body.unreadCount).toBe(1);
      const entry = list.body.items[0];
      expect(entry).toMatchObject({ purpose: 'appointment_reminder', readAt: null, data: { bookingId: id } });
      expect(entry.title).toBe(got[0]!.payload.title);

      await eventually(() => events.some((e) => e.type === 'reminder'), 10_000, 50);
      const onSocket = events.filter((e) => e.type === 'reminder');
      expect(onSocket).toHaveLength(1);
      expect(onSocket[0]!.data).toMatchObject({ id: entry.id, title: entry.title });
    } finally {
      ws.close();
    }
  }, 180_000);
});
