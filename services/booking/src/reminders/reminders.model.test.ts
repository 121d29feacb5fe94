import { describe, expect, it } from 'vitest';
import type { BookingRecord } from '../bookings/bookings.model.ts';
import { defaultReminders, deliveryKey, pastReminderAtSave, retryDelayMs, stillApplies } from './reminders.model.ts';

const start = new Date('2027-05-03T02:00:00Z');
const booking = (over: Partial<BookingRecord> = {}) =>
  ({ id: 'b1', status: 'confirmed', start, createdAt: new Date('2027-04-01T00:00:00Z'), ...over }) as BookingRecord;

describe('reminder rules', () => {
  it('defaults: every allowed offset on every channel switched on, without duplicates', () => {
    expect(defaultReminders({ offsetsMinutes: [1440, 120, 120, 2, 50_000], channels: ['email', 'sms'] })).toEqual([
      { offsetMinutes: 1440, channel: 'email' },
      { offsetMinutes: 1440, channel: 'sms' },
      { offsetMinutes: 120, channel: 'email' },
      { offsetMinutes: 120, channel: 'sms' },
    ]);
    expect(defaultReminders({ offsetsMinutes: [60], channels: [] })).toEqual([]);
  });

  it('a reminder applies only to an open booking at the same start, before it starts', () => {
    const job = { start };
    const before = start.getTime() - 60_000;
    expect(stillApplies(job, booking(), before)).toEqual({ ok: true });
    expect(stillApplies(job, booking({ status: 'pending' }), before)).toEqual({ ok: true });
    expect(stillApplies(job, booking({ status: 'cancelled' }), before)).toEqual({
      ok: false,
      reason: 'booking_cancelled',
    });
    expect(stillApplies(job, booking({ start: new Date(start.getTime() + 3_600_000) }), before)).toEqual({
      ok: false,
      reason: 'booking_moved',
    });
    expect(stillApplies(job, booking(), start.getTime())).toEqual({ ok: false, reason: 'appointment_started' });
    expect(stillApplies(job, undefined, before)).toEqual({ ok: false, reason: 'booking_deleted' });
  });

  it('a time already gone is skipped for a booking made after it, refused otherwise', () => {
    const spec = { offsetMinutes: 2880, channel: 'email' as const };
    expect(pastReminderAtSave(booking({ createdAt: new Date('2027-05-02T00:00:00Z') }), spec)).toBe('skip');
    expect(pastReminderAtSave(booking({ createdAt: new Date('2027-04-30T00:00:00Z') }), spec)).toBe('refuse');
  });

  it('retries back off from 30 s, doubling, capped at 30 min, with bounded jitter', () => {
    expect(retryDelayMs(1, () => 0)).toBe(30_000);
    expect(retryDelayMs(2, () => 0)).toBe(60_000);
    expect(retryDelayMs(3, () => 1)).toBe(144_000);
    expect(retryDelayMs(20, () => 0)).toBe(1_800_000);
  });

  it('the delivery key names booking, offset, channel and start', () => {
    expect(deliveryKey({ bookingId: 'b1', offsetMinutes: 60, channel: 'sms', start })).toBe(
      'reminder:b1:60:sms:2027-05-03T02:00:00.000Z',
    );
  });
});
