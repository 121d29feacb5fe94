/**
 * Care reminders (issue 15 item 4): a medical record's `nextDueDate` reminds its owner some days
 * before (their `careReminderOffsetsDays`), at a fixed local hour in the owner's zone. Pure rules
 * here; the feed consumer (upstream/user-events.ts) and the worker apply them.
 */
import { DateTime } from 'luxon';
import type { Channel } from '@petpro/kit';
import type { ReminderJob } from './reminders.model.ts';

export const DAY_MINUTES = 1_440;
export const MIN_CARE_OFFSET_DAYS = 1;
export const MAX_CARE_OFFSET_DAYS = 90;

/** A medical record as the booking service keeps it from the user service's feed. */
export interface CareRecord {
  recordId: string;
  ownerId: string;
  petId: string;
  petName: string;
  type: string;
  title: string;
  /** `YYYY-MM-DD`, or null when nothing is due. */
  nextDueDate: string | null;
  petDeleted: boolean;
}

/** The owner's care reminder preferences (user service). */
export interface CarePreferences {
  offsetsDays: number[];
  /** Channels with `healthReminders` on. */
  channels: Channel[];
  timeZone: string;
}

export interface CareJobSpec {
  offsetMinutes: number;
  channel: Channel;
  dueAt: Date;
}

/** The instant a due date is keyed by (its 00:00 UTC): the job's `starts_at` and part of the ledger key. */
export function dueDateKey(nextDueDate: string): Date {
  return new Date(`${nextDueDate}T00:00:00.000Z`);
}

/**
 * The reminders a due date asks for: one per offset and channel, at `hour`:00 in the owner's zone on
 * `nextDueDate - offset` days. Offsets whose time has passed while the due date is still ahead (today
 * included) collapse into one reminder sent now (the one nearest the due date); a due date already
 * gone asks for none.
 */
export function careJobs(nextDueDate: string, prefs: CarePreferences, hour: number, now: number): CareJobSpec[] {
  const zone = prefs.timeZone;
  const due = DateTime.fromISO(nextDueDate, { zone });
  const today = DateTime.fromMillis(now, { zone }).toISODate()!;
  if (!due.isValid || nextDueDate < today) return [];
  const offsets = [...new Set(prefs.offsetsDays)].filter(
    (d) => Number.isInteger(d) && d >= MIN_CARE_OFFSET_DAYS && d <= MAX_CARE_OFFSET_DAYS,
  );
  const planned = offsets.map((days) => ({
    days,
    at: due.minus({ days }).set({ hour, minute: 0, second: 0, millisecond: 0 }).toMillis(),
  }));
  const ahead = planned.filter((p) => p.at > now);
  const late = planned.filter((p) => p.at <= now).sort((a, b) => a.days - b.days)[0];
  const chosen = late ? [...ahead, { days: late.days, at: now }] : ahead;
  return chosen.flatMap((p) =>
    prefs.channels.map((channel) => ({ offsetMinutes: p.days * DAY_MINUTES, channel, dueAt: new Date(p.at) })),
  );
}

/**
 * Whether a claimed care job still applies to the record as it is now: there, same owner and due date,
 * pet not deleted.
 */
export function careStillApplies(
  job: Pick<ReminderJob, 'ownerId' | 'start'>,
  record: CareRecord | undefined,
): { ok: true } | { ok: false; reason: string } {
  if (!record || record.ownerId !== job.ownerId) return { ok: false, reason: 'record_deleted' };
  if (record.petDeleted) return { ok: false, reason: 'pet_deleted' };
  if (!record.nextDueDate || dueDateKey(record.nextDueDate).getTime() !== job.start.getTime())
    return { ok: false, reason: 'due_date_moved' };
  return { ok: true };
}

/** The care delivery's stable key: record, offset, channel and due date. */
export function careDeliveryKey(job: Pick<ReminderJob, 'subjectId' | 'offsetMinutes' | 'channel' | 'start'>): string {
  return `care:${job.subjectId}:${job.offsetMinutes}:${job.channel}:${job.start.toISOString().slice(0, 10)}`;
}
