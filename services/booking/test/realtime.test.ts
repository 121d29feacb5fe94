/**
 * Real-time booking events through the real gateway: who receives what, resume without loss or
 * duplicates, tickets, session end, and the attacker's attempts (no token, a forged identity header,
 * another clinic, a replayed ticket, oversized and malformed messages).
 */
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { ServiceCredentials } from '@petpro/kit';
import { httpClient } from '@petpro/kit/testing';
import { startPlatform, TEST_SECRET, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser } from '../../../test/users.ts';
import { openSocket, quiet, subscribe, UpgradeRefused, type TestSocket } from '../../../test/realtime.ts';
import {
  createClinic,
  createOwner,
  LUNCH_BREAK,
  mondayAhead,
  putRules,
  weeklyRules,
  type ClinicFixture,
} from './helpers.ts';

let p: Platform;
beforeAll(async () => {
  // REVOCATION_POLL_MS at its default (1 s): the 2 s bound of logout below holds with it.
  p = await startPlatform({ databaseUrl: inject('databaseUrl') });
});
afterAll(async () => {
  await p?.stop();
});

const MON_SAT = [1, 2, 3, 4, 5, 6];
const sockets: TestSocket[] = [];
async function open(opts: Parameters<typeof openSocket>[1]): Promise<TestSocket> {
  const s = await openSocket(p.url, opts);
  sockets.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
});

async function openClinic(): Promise<ClinicFixture> {
  const clinic = await createClinic(p);
  await putRules(p, clinic, weeklyRules(MON_SAT, LUNCH_BREAK));
  return clinic;
}

async function book(clinic: ClinicFixture, owner: { accessToken: string; petId: string }, time: string) {
  const day = mondayAhead(clinic.timeZone);
  const res = await p.http.post(
    '/api/v1/bookings',
    {
      clinicId: clinic.id,
      serviceId: clinic.services[0]!.id,
      petIds: [owner.petId],
      start: `${day}T${time}:00+07:00`,
      notes: 'Batuk sejak kemarin',
    },
    { token: owner.accessToken },
  );
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

/** Waits for an event of `type` about booking `id` on each socket, each within `ms` of now. */
async function reachesAll(list: TestSocket[], type: string, id: string, ms = 1_000) {
  return Promise.all(
    list.map((s) => s.next((m) => m.type === type && (m.data?.booking as { id?: string } | undefined)?.id === id, ms)),
  );
}

describe('GET /ws through the gateway', () => {
  const refusesUnauthenticated =
    'refuses an upgrade without a valid token with 401 and no socket, and ignores a forged identity header';
  it(refusesUnauthenticated, async () => {
    await expect(openSocket(p.url)).rejects.toMatchObject({ status: 401 });
    await expect(openSocket(p.url, { token: 'not.a.token' })).rejects.toMatchObject({ status: 401 });
    const forged = Buffer.from(
      JSON.stringify({
        userId: crypto.randomUUID(),
        sessionId: 's',
        roles: ['admin'],
        permissions: ['*'],
        expiresAt: Date.now() + 60_000,
      }),
    ).toString('base64url');
    const refused = await openSocket(p.url, {
      headers: { 'x-petpro-realtime-identity': forged, 'x-service-token': 'forged' },
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UpgradeRefused);
    expect((refused as UpgradeRefused).status).toBe(401);
  });

  const deliversLifecycle =
    'delivers create, confirm, reschedule and cancel to the owner and the clinic within 1 s; ' +
    'a third user sees nothing';
  it(deliversLifecycle, async () => {
    const clinic = await openClinic();
    const owner = await createOwner(p);
    const stranger = await createOwner(p, 'Orang lain');
    const ownerSocket = await open({ token: owner.accessToken });
    const vendorSocket = await open({ token: clinic.vendor.accessToken });
    const strangerSocket = await open({ token: stranger.accessToken });
    expect(await subscribe(vendorSocket, 'clinic', clinic.id)).toMatchObject({ type: 'subscribed' });
    // The attacker: following a clinic that is not theirs is refused, and gives them nothing.
    expect(await subscribe(strangerSocket, 'clinic', clinic.id)).toMatchObject({
      type: 'error',
      code: 'not_clinic_member',
    });
    const both = [ownerSocket, vendorSocket];

    const b = await book(clinic, owner, '09:00');
    const [created] = await reachesAll(both, 'booking.created', b.id);
    expect(created!.id).toEqual(expect.any(Number));
    // The owner's notes and pet names go to the owner and the clinic only.
    expect(created!.data).toMatchObject({ booking: { notes: 'Batuk sejak kemarin', pets: [{ name: 'Milo' }] } });

    const vendor = { token: clinic.vendor.accessToken };
    expect((await p.http.post(`/api/v1/bookings/${b.id}/confirm`, {}, vendor)).status).toBe(200);
    const [status] = await reachesAll(both, 'booking.status', b.id);
    expect(status!.data).toMatchObject({ status: 'confirmed' });

    const day = mondayAhead(clinic.timeZone);
    const moved = await p.http.patch(`/api/v1/bookings/${b.id}`, { start: `${day}T10:00:00+07:00` }, vendor);
    expect(moved.status).toBe(200);
    await reachesAll(both, 'booking.updated', b.id);

    const cancelled = await p.http.post(`/api/v1/bookings/${b.id}/cancel`, {}, { token: owner.accessToken });
    expect(cancelled.status).toBe(200);
    await reachesAll(both, 'booking.cancelled', b.id);

    // Ids grow in the order things happened.
    const ids = ownerSocket.events().map((m) => m.id!);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    await quiet(300);
    expect(strangerSocket.events()).toEqual([]);
  });

  const availabilityChanged =
    'sends availability.changed to a subscriber of a published clinic ' +
    'when a slot is taken or the schedule changes';
  it(availabilityChanged, async () => {
    const clinic = await openClinic();
    const owner = await createOwner(p);
    const watcher = await createVerifiedUser(p);
    const s = await open({ token: watcher.accessToken });
    expect(await subscribe(s, 'availability', clinic.id)).toMatchObject({ type: 'subscribed' });
    const b = await book(clinic, owner, '11:00');
    const taken = await s.next((m) => m.type === 'availability.changed', 1_000);
    expect(taken.data).toMatchObject({ clinicId: clinic.id, staffIds: expect.any(Array) });
    expect(JSON.stringify(taken.data)).not.toContain('Milo');
    // Availability does not show anyone's booking.
    expect(s.messages.some((m) => m.type === 'booking.created' || JSON.stringify(m).includes(b.id))).toBe(false);
    const from = s.messages.length;
    await putRules(p, clinic, weeklyRules([1, 2, 3], LUNCH_BREAK));
    await s.next((m) => m.type === 'availability.changed' && m.data?.cause === 'rules', 1_000, from);
    // The clinic side: new opening hours in the clinic service reach the subscriber through its event feed.
    const before = s.messages.length;
    const hours = await p.http.put(
      `/api/v1/clinics/${clinic.id}/hours`,
      { weekly: [{ weekday: 1, ranges: [{ start: '09:00', end: '12:00' }] }], closures: [] },
      { token: clinic.vendor.accessToken },
    );
    expect(hours.status).toBe(200);
    const fromClinic = await s.next(
      (m) => m.type === 'availability.changed' && m.data?.cause === 'clinic.hours',
      5_000,
      before,
    );
    expect(fromClinic.data).toMatchObject({ clinicId: clinic.id });
    // And a new service of the clinic (the catalogue), once.
    const svc = await p.http.post(
      `/api/v1/clinics/${clinic.id}/services`,
      { name: 'Grooming', category: 'grooming', price: { amount: 100_000, currency: 'IDR' }, durationMinutes: 30 },
      { token: clinic.vendor.accessToken },
    );
    expect(svc.status).toBe(201);
    await s.next(
      (m) => m.type === 'availability.changed' && (m.data?.serviceIds as string[] | undefined)?.[0] === svc.body.id,
      5_000,
      before,
    );
    await quiet(1_500);
    // Each event once (the set-up's own hours change may arrive late, but never twice).
    const ids = s.events().map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    // An unpublished clinic's availability is not there to follow.
    const hidden = await createClinic(p, { published: false });
    expect(await subscribe(s, 'availability', hidden.id)).toMatchObject({ type: 'error', code: 'clinic_not_found' });

    // Unpublished later: the stranger's subscription ends and nothing more of it arrives; the vendor,
    // who follows the clinic as its own, keeps its events.
    const vendorSocket = await open({ token: clinic.vendor.accessToken });
    expect(await subscribe(vendorSocket, 'clinic', clinic.id)).toMatchObject({ type: 'subscribed' });
    expect(await subscribe(vendorSocket, 'availability', clinic.id)).toMatchObject({ type: 'subscribed' });
    const mark = s.messages.length;
    const unpublish = await p.http.patch(
      `/api/v1/clinics/${clinic.id}`,
      { published: false },
      { token: clinic.vendor.accessToken },
    );
    expect(unpublish.status, unpublish.text).toBe(200);
    await s.next((m) => m.type === 'unsubscribed' && m.clinicId === clinic.id, 5_000, mark);
    const afterEnd = s.messages.length;
    await putRules(p, clinic, weeklyRules([1, 2, 3, 4], LUNCH_BREAK));
    await vendorSocket.next((m) => m.type === 'availability.changed' && m.data?.cause === 'rules', 2_000);
    await quiet(1_000);
    expect(s.messages.slice(afterEnd).filter((m) => m.type === 'availability.changed')).toEqual([]);
    expect(await subscribe(s, 'availability', clinic.id)).toMatchObject({ type: 'error', code: 'clinic_not_found' });
  });

  it('resumes after a disconnect with exactly the three missed events, in order, then live ones', async () => {
    const clinic = await openClinic();
    const owner = await createOwner(p);
    const first = await open({ token: owner.accessToken });
    const b = await book(clinic, owner, '13:00');
    const created = await first.next((m) => m.type === 'booking.created', 2_000);
    await first.close();

    const vendor = { token: clinic.vendor.accessToken };
    const day = mondayAhead(clinic.timeZone);
    expect((await p.http.post(`/api/v1/bookings/${b.id}/confirm`, {}, vendor)).status).toBe(200);
    expect((await p.http.patch(`/api/v1/bookings/${b.id}`, { notes: 'Sudah membaik' }, vendor)).status).toBe(200);
    expect((await p.http.patch(`/api/v1/bookings/${b.id}`, { start: `${day}T14:00:00+07:00` }, vendor)).status).toBe(
      200,
    );
    // Someone else's booking meanwhile is not theirs to see.
    await book(clinic, await createOwner(p), '15:00');

    const again = await open({ token: owner.accessToken, after: created.id });
    await again.next(() => again.events().length >= 3, 2_000);
    await quiet(300);
    expect(again.events().map((m) => m.type)).toEqual(['booking.status', 'booking.updated', 'booking.updated']);
    const ids = again.events().map((m) => m.id!);
    expect(ids[0]!).toBeGreaterThan(created.id!);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    // Live events follow, once each.
    expect((await p.http.post(`/api/v1/bookings/${b.id}/cancel`, {}, { token: owner.accessToken })).status).toBe(200);
    await again.next((m) => m.type === 'booking.cancelled', 1_000);
    await quiet(200);
    expect(again.events()).toHaveLength(4);
    // Resuming from a position the server never gave is a resync, not silence.
    const far = await open({ token: owner.accessToken, after: 1e12 });
    await far.next((m) => m.type === 'resync', 2_000);
  });

  it('opens with a single-use ticket (a replayed one gets 401); a token never needs to be in the URL', async () => {
    const owner = await createOwner(p);
    const t = await p.http.post('/api/v1/realtime/ticket', undefined, { token: owner.accessToken });
    expect(t.status).toBe(200);
    expect(t.body).toEqual({ ticket: expect.any(String), expiresIn: expect.any(Number) });
    expect(t.body.expiresIn).toBeLessThanOrEqual(30);
    const s = await open({ ticket: t.body.ticket });
    s.send({ type: 'ping' });
    await s.next((m) => m.type === 'pong');
    await expect(openSocket(p.url, { ticket: t.body.ticket })).rejects.toMatchObject({ status: 401 });
    await expect(openSocket(p.url, { ticket: 'x'.repeat(43) })).rejects.toMatchObject({ status: 401 });
    expect((await p.http.post('/api/v1/realtime/ticket')).status).toBe(401);
    // Redeeming is the gateway's alone: not routed publicly, and refused to a user's token or another service.
    const fresh = await p.http.post('/api/v1/realtime/ticket', undefined, { token: owner.accessToken });
    expect((await p.http.post('/internal/realtime/tickets/redeem', { ticket: fresh.body.ticket })).status).toBe(404);
    const direct = httpClient(p.services.booking!.url);
    const redeem = (headers: Record<string, string>) =>
      direct.post('/internal/realtime/tickets/redeem', { ticket: fresh.body.ticket }, { headers });
    expect((await redeem({ authorization: `Bearer ${owner.accessToken}` })).status).toBe(401);
    const asUser = await new ServiceCredentials(TEST_SECRET, 'user').token();
    expect((await redeem({ 'x-service-token': asUser })).status).toBe(403);
    // The ticket survived those attempts and still opens a socket once.
    await (await open({ ticket: fresh.body.ticket })).close();
    // The ticket socket is the owner's: their booking reaches it.
    const clinic = await openClinic();
    const b = await book(clinic, owner, '16:00');
    await s.next(
      (m) => m.type === 'booking.created' && (m.data?.booking as { id?: string } | undefined)?.id === b.id,
      1_000,
    );
  });

  it('closes the socket with 4001 and session.revoked within 2 s of logout', async () => {
    const user = await createVerifiedUser(p);
    const s = await open({ token: user.accessToken });
    const t0 = Date.now();
    expect((await p.http.post('/api/v1/auth/logout', undefined, { token: user.accessToken })).status).toBe(204);
    const closed = await s.closed;
    expect(closed.code).toBe(4001);
    expect(closed.at - t0).toBeLessThan(2_000);
    expect(s.messages.at(-1)).toMatchObject({ type: 'session.revoked' });
    // And the revoked token cannot open another.
    await expect(openSocket(p.url, { token: user.accessToken })).rejects.toMatchObject({ status: 401 });
  });

  it('answers malformed messages with invalid_message and closes on an oversized one (1009)', async () => {
    const user = await createVerifiedUser(p);
    const s = await open({ token: user.accessToken });
    s.send('not json');
    await s.next((m) => m.type === 'error' && m.code === 'invalid_message');
    s.send({ type: 'subscribe', topic: 'clinic', clinicId: "1' or 1=1" });
    await s.next((m) => m.type === 'error' && m.code === 'invalid_message', 5_000, 2);
    s.send({ type: 'ping', pad: 'x'.repeat(10_000) });
    expect((await s.closed).code).toBe(1009);
  });
});
