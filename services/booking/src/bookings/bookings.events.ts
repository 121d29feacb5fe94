import type { BookingEventType, DomainEvent } from '../outbox/events.ts';
import { availabilityChanged } from '../outbox/events.ts';
import type { BookingRecord } from './bookings.model.ts';
import { toBookingView } from './bookings.view.ts';

/** Who made a change, as events tell it. */
export interface Actor {
  userId: string;
  as: 'owner' | 'clinic';
}

/** A booking event carrying the booking as it is after the change. */
export function bookingEvent(
  type: BookingEventType,
  booking: BookingRecord,
  actor: Actor,
  extra: Record<string, unknown> = {},
): DomainEvent {
  return {
    type,
    aggregateId: booking.id,
    clinicId: booking.clinicId,
    ownerId: booking.ownerId,
    payload: { booking: toBookingView(booking), actor, ...extra },
  };
}

/** The availability change caused by a booking taking or releasing a staff member's time. */
export function bookingAvailabilityChanged(type: BookingEventType, ...bookings: BookingRecord[]): DomainEvent {
  const first = bookings[0]!;
  const from = Math.min(...bookings.map((b) => b.start.getTime()));
  const to = Math.max(...bookings.map((b) => b.heldUntil.getTime()));
  return availabilityChanged(first.clinicId, type, {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    staffIds: [...new Set(bookings.map((b) => b.staffId))].sort(),
  });
}
