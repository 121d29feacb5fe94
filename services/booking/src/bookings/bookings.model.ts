/** Booking records as the service works with them, and the status machine. */
import { ConflictError } from '@petpro/kit';
import type { BookingStatus, PetSnapshot } from '../db.ts';

export type { BookingStatus, PetSnapshot };

export const BOOKING_STATUSES = [
  'pending',
  'confirmed',
  'completed',
  'no_show',
  'cancelled',
] as const satisfies readonly BookingStatus[];

/** Statuses that hold the staff member's time (the exclusion constraint covers exactly these). */
export const OPEN_STATUSES = ['pending', 'confirmed'] as const satisfies readonly BookingStatus[];

/** A booking as stored, with its price snapshot. */
export interface BookingRecord {
  id: string;
  clinicId: string;
  serviceId: string;
  staffId: string;
  staffRequested: boolean;
  ownerId: string;
  petIds: string[];
  pets: PetSnapshot[];
  start: Date;
  end: Date;
  /** End of the time the staff member is held (end + buffer). */
  heldUntil: Date;
  timeZone: string;
  status: BookingStatus;
  notes: string | null;
  service: {
    name: string;
    category: string | null;
    durationMinutes: number;
    bufferMinutes: number;
    price: { amount: number; currency: string };
  };
  confirmedAt: Date | null;
  completedAt: Date | null;
  noShowAt: Date | null;
  cancelledAt: Date | null;
  cancelledBy: string | null;
  cancelledByRole: 'owner' | 'clinic' | null;
  cancellationReason: string | null;
  /** The clinic's cancellation cut-off when the booking was made; null for bookings older than that snapshot. */
  cancellationCutoffMinutes: number | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type BookingAction = 'confirm' | 'complete' | 'no_show' | 'cancel';

const TRANSITIONS: Record<BookingAction, { from: readonly BookingStatus[]; to: BookingStatus }> = {
  confirm: { from: ['pending'], to: 'confirmed' },
  complete: { from: ['confirmed'], to: 'completed' },
  no_show: { from: ['confirmed'], to: 'no_show' },
  cancel: { from: OPEN_STATUSES, to: 'cancelled' },
};

const ACTION_WORDS: Record<BookingAction, string> = {
  confirm: 'confirmed',
  complete: 'completed',
  no_show: 'marked as a no-show',
  cancel: 'cancelled',
};

/** The status an action leads to from `current`, or 409 `invalid_transition`. */
export function nextStatus(current: BookingStatus, action: BookingAction): BookingStatus {
  const t = TRANSITIONS[action];
  if (!t.from.includes(current)) {
    throw new ConflictError('invalid_transition', `A ${current} booking cannot be ${ACTION_WORDS[action]}`, {
      currentStatus: current,
      action,
    });
  }
  return t.to;
}

/** True while the booking holds its time and can still change. */
export function isOpen(status: BookingStatus): boolean {
  return (OPEN_STATUSES as readonly BookingStatus[]).includes(status);
}
