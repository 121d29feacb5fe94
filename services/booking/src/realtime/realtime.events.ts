/**
 * What a socket receives: which outbox events a holder may see, and how an event looks on the wire.
 * Pure, so the visibility rule is one function that live delivery and resume both use.
 */
import type { OutboxRow } from '../outbox/outbox.repository.ts';

/** An outbox event as the hub reads it. */
export interface LogEvent {
  seq: number;
  type: string;
  clinicId: string | null;
  ownerId: string | null;
  at: Date;
  payload: Record<string, unknown>;
}

export function toLogEvent(row: OutboxRow): LogEvent {
  return {
    seq: Number(row.seq),
    type: row.type,
    clinicId: row.clinic_id,
    ownerId: row.owner_id,
    at: row.created_at,
    payload: row.payload,
  };
}

/** What one socket follows: its user's own events, and the clinics it subscribed to. */
export interface Watcher {
  userId: string;
  /** Clinics whose bookings it sees (owner, vendor or linked staff, checked when subscribing). */
  clinics: ReadonlySet<string>;
  /** Clinics whose availability changes it sees (anyone logged in, published clinics). */
  availability: ReadonlySet<string>;
}

const BOOKING_PREFIX = 'booking.';

/**
 * Whether a socket may receive an event: the booking's owner (and a reminder's user) always; a
 * booking event also every subscriber of its clinic; an availability change the subscribers of the
 * clinic's availability or bookings. Nobody else: a booking's pets and notes never reach a third user.
 */
export function mayReceive(w: Watcher, e: Pick<LogEvent, 'type' | 'clinicId' | 'ownerId'>): boolean {
  if (e.ownerId !== null && e.ownerId === w.userId) return true;
  if (e.clinicId === null) return false;
  if (e.type.startsWith(BOOKING_PREFIX)) return w.clinics.has(e.clinicId);
  if (e.type === 'availability.changed') return w.availability.has(e.clinicId) || w.clinics.has(e.clinicId);
  return false;
}

/** Status changes, stored as one type each (what the outbox has always stored), sent as `booking.status`. */
const STATUS_OF: Record<string, string> = {
  'booking.confirmed': 'confirmed',
  'booking.completed': 'completed',
  'booking.no_show': 'no_show',
};

/** A server-to-client event message. */
export interface EventMessage {
  id: number;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

/** The wire form of an event: `{id, type, at, data}`, status changes mapped to `booking.status`. */
export function toMessage(e: LogEvent): EventMessage {
  const status = STATUS_OF[e.type];
  return {
    id: e.seq,
    type: status ? 'booking.status' : e.type,
    at: e.at.toISOString(),
    data: status ? { ...e.payload, status } : e.payload,
  };
}
