import { describe, expect, it } from 'vitest';
import { mayReceive, toMessage, type Watcher } from './realtime.events.ts';

const owner = 'u-owner';
const clinic = 'c-1';
const watcher = (w: Partial<Watcher>): Watcher => ({
  userId: 'u-x',
  clinics: new Set(),
  availability: new Set(),
  ...w,
});
const booking = { type: 'booking.created', clinicId: clinic, ownerId: owner };
const availability = { type: 'availability.changed', clinicId: clinic, ownerId: null };
const reminder = { type: 'reminder', clinicId: clinic, ownerId: owner };

describe('mayReceive', () => {
  it('gives a booking to its owner and its clinic’s subscribers, never to anyone else', () => {
    expect(mayReceive(watcher({ userId: owner }), booking)).toBe(true);
    expect(mayReceive(watcher({ clinics: new Set([clinic]) }), booking)).toBe(true);
    expect(mayReceive(watcher({}), booking)).toBe(false);
    // Following a clinic's availability shows no booking of it (pets, notes).
    expect(mayReceive(watcher({ availability: new Set([clinic]) }), booking)).toBe(false);
    expect(mayReceive(watcher({ clinics: new Set(['c-2']) }), booking)).toBe(false);
  });

  it('gives availability changes to availability and clinic subscribers only', () => {
    expect(mayReceive(watcher({ availability: new Set([clinic]) }), availability)).toBe(true);
    expect(mayReceive(watcher({ clinics: new Set([clinic]) }), availability)).toBe(true);
    expect(mayReceive(watcher({ userId: owner }), availability)).toBe(false);
  });

  it('gives a reminder to its user only, even when it names a clinic', () => {
    expect(mayReceive(watcher({ userId: owner }), reminder)).toBe(true);
    expect(mayReceive(watcher({ clinics: new Set([clinic]) }), reminder)).toBe(false);
    expect(mayReceive(watcher({}), { ...reminder, clinicId: null })).toBe(false);
  });
});

describe('toMessage', () => {
  it('sends status changes as booking.status with the status in data, other types as stored', () => {
    const at = new Date('2026-12-04T10:00:00Z');
    const base = { seq: 7, clinicId: clinic, ownerId: owner, at, payload: { booking: { id: 'b' } } };
    expect(toMessage({ ...base, type: 'booking.no_show' })).toEqual({
      id: 7,
      type: 'booking.status',
      at: '2026-12-04T10:00:00.000Z',
      data: { booking: { id: 'b' }, status: 'no_show' },
    });
    expect(toMessage({ ...base, type: 'booking.cancelled' }).type).toBe('booking.cancelled');
  });
});
