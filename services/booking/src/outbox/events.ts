/**
 * Domain events of the booking service. They are written to the outbox in the transaction of the
 * change they describe; the real-time hub (src/realtime) delivers them to the owner and the clinic.
 */

export const BOOKING_EVENT_TYPES = [
  'booking.created',
  'booking.updated',
  'booking.cancelled',
  'booking.confirmed',
  'booking.completed',
  'booking.no_show',
] as const;
export type BookingEventType = (typeof BOOKING_EVENT_TYPES)[number];
/**
 * `reminder` (and any other type given an owner) goes to that one user only: append
 * `{ type: 'reminder', aggregateId, clinicId: null, ownerId: userId, payload }` to reach their sockets.
 */
export type EventType = BookingEventType | 'availability.changed' | 'reminder';

export interface DomainEvent {
  type: EventType;
  /** The booking id, or the clinic id for availability changes. */
  aggregateId: string;
  /** The clinic whose subscribers see the event; null for events of one user only (reminders). */
  clinicId: string | null;
  /** The booking's owner, who receives booking events; null for clinic-wide events. */
  ownerId: string | null;
  payload: Record<string, unknown>;
}

/** Why availability changed: a schedule edit, or a booking taking or releasing time. */
export type AvailabilityCause =
  | 'rules'
  | 'block.created'
  | 'block.deleted'
  | 'policy'
  | 'clinic.hours'
  | 'clinic.services'
  | 'clinic.staff'
  /** Published or unpublished (or deleted); `hidden` when strangers may no longer see it. */
  | 'clinic.visibility'
  | BookingEventType;

/**
 * `availability.changed` for a clinic. `from`/`to` (ISO) and `staffIds` narrow what changed when known,
 * so a client showing a calendar refetches only what it needs; absent means "anything may have changed".
 */
export function availabilityChanged(
  clinicId: string,
  cause: AvailabilityCause,
  scope: { from?: string; to?: string; staffIds?: string[]; serviceIds?: string[]; hidden?: boolean } = {},
): DomainEvent {
  return {
    type: 'availability.changed',
    aggregateId: clinicId,
    clinicId,
    ownerId: null,
    payload: { clinicId, cause, ...scope },
  };
}
