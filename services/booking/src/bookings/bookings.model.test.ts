import { describe, expect, it } from 'vitest';
import { BOOKING_STATUSES, isOpen, nextStatus, type BookingAction, type BookingStatus } from './bookings.model.ts';

describe('booking status machine', () => {
  const legal: Array<[BookingStatus, BookingAction, BookingStatus]> = [
    ['pending', 'confirm', 'confirmed'],
    ['confirmed', 'complete', 'completed'],
    ['confirmed', 'no_show', 'no_show'],
    ['pending', 'cancel', 'cancelled'],
    ['confirmed', 'cancel', 'cancelled'],
  ];

  it.each(legal)('%s --%s--> %s', (from, action, to) => {
    expect(nextStatus(from, action)).toBe(to);
  });

  it('refuses every other transition with 409 invalid_transition', () => {
    const actions: BookingAction[] = ['confirm', 'complete', 'no_show', 'cancel'];
    let refused = 0;
    for (const from of BOOKING_STATUSES) {
      for (const action of actions) {
        if (legal.some(([f, a]) => f === from && a === action)) continue;
        expect(() => nextStatus(from, action)).toThrow(
          expect.objectContaining({ status: 409, code: 'invalid_transition' }),
        );
        refused++;
      }
    }
    expect(refused).toBe(BOOKING_STATUSES.length * actions.length - legal.length);
  });

  it('counts only pending and confirmed as open (holding time)', () => {
    expect(BOOKING_STATUSES.filter(isOpen)).toEqual(['pending', 'confirmed']);
  });
});
