import type { Channel } from '@petpro/kit';
import type { ReminderJobStatus, ReminderKind } from '../db.ts';
import type { BookingRecord } from '../bookings/bookings.model.ts';
import { isOpen } from '../bookings/bookings.model.ts';
import { MINUTE_MS } from '../shared/time.ts';

export const MIN_OFFSET_MINUTES = 5;
export const MAX_OFFSET_MINUTES = 43_200;
/** Reminders one booking may have (offsets x channels). */
export const MAX_REMINDERS = 12;

/** One reminder a booking wants: this long before the start, on this channel. */
export interface ReminderSpec {
  offsetMinutes: number;
  channel: Channel;
}

export interface ReminderJob {
  id: string;
  /** `appointment` (a booking's) or `care` (a medical record's due date). */
  kind: ReminderKind;
  /** The booking of an appointment job; for a care job the same as `subjectId`. */
  bookingId: string;
  /** What the job is about: the booking (appointment) or the medical record (care). */
  subjectId: string;
  ownerId: string;
  /** Null for care jobs. */
  clinicId: string | null;
  offsetMinutes: number;
  channel: Channel;
  start: Date;
  dueAt: Date;
  status: ReminderJobStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  sentAt: Date | null;
  createdAt: Date;
}

/** The owner's notification preferences as far as reminders go (user service, @petpro/contracts). */
export interface ReminderPreferences {
  offsetsMinutes: number[];
  /** Which channels have `bookingReminders` on. */
  channels: Channel[];
}

/** When the owner's preferences cannot be read: the user service's own defaults for a new user. */
export const FALLBACK_PREFERENCES: ReminderPreferences = { offsetsMinutes: [1440, 120], channels: ['email'] };

/** Every (offset, channel) the preferences ask for, offsets within the allowed range, no duplicates. */
export function defaultReminders(prefs: ReminderPreferences): ReminderSpec[] {
  const offsets = [...new Set(prefs.offsetsMinutes)].filter(
    (o) => Number.isInteger(o) && o >= MIN_OFFSET_MINUTES && o <= MAX_OFFSET_MINUTES,
  );
  return offsets.flatMap((offsetMinutes) => prefs.channels.map((channel) => ({ offsetMinutes, channel })));
}

export function dueAt(start: Date, offsetMinutes: number): Date {
  return new Date(start.getTime() - offsetMinutes * MINUTE_MS);
}

/**
 * What to do with a reminder whose time is at or before `now` when it is saved: a booking made less
 * than the offset ahead simply skips it (it could never have been sent); otherwise the owner asked
 * for a time already gone, which is refused.
 */
export function pastReminderAtSave(booking: BookingRecord, spec: ReminderSpec): 'skip' | 'refuse' {
  return booking.createdAt.getTime() > dueAt(booking.start, spec.offsetMinutes).getTime() ? 'skip' : 'refuse';
}

/**
 * Whether a claimed job still applies, decided on the booking as it is now: open, same start as the
 * job was made for, and not yet started.
 */
export function stillApplies(
  job: Pick<ReminderJob, 'start'>,
  booking: BookingRecord | undefined,
  now: number,
): { ok: true } | { ok: false; reason: string } {
  if (!booking) return { ok: false, reason: 'booking_deleted' };
  if (!isOpen(booking.status)) return { ok: false, reason: `booking_${booking.status}` };
  if (booking.start.getTime() !== job.start.getTime()) return { ok: false, reason: 'booking_moved' };
  if (now >= booking.start.getTime()) return { ok: false, reason: 'appointment_started' };
  return { ok: true };
}

/**
 * Back-off before retry `attempt` (1 = the first retry): 30 s doubling up to 30 min, with up to 20 %
 * jitter so that many reminders failing together do not retry together.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000 * 2 ** Math.max(0, attempt - 1), 30 * MINUTE_MS);
  return Math.round(base * (1 + 0.2 * random()));
}

/** The delivery's stable key: the same for every retry of one reminder for one start (appointments). */
export function deliveryKey(job: Pick<ReminderJob, 'bookingId' | 'offsetMinutes' | 'channel' | 'start'>): string {
  return `reminder:${job.bookingId}:${job.offsetMinutes}:${job.channel}:${job.start.toISOString()}`;
}
