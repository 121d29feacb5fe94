import type { BookingRemindersView, ReminderJobView } from './reminders.schemas.ts';
import type { ReminderJob, ReminderSpec } from './reminders.model.ts';
import { dueAt } from './reminders.model.ts';

/** A booking's reminders: each wanted (offset, channel) with its job for the current start, if any. */
export function toBookingRemindersView(start: Date, plan: ReminderSpec[], jobs: ReminderJob[]): BookingRemindersView {
  return {
    reminders: plan.map((r) => {
      const job = jobs.find((j) => j.offsetMinutes === r.offsetMinutes && j.channel === r.channel);
      return {
        offsetMinutes: r.offsetMinutes,
        channel: r.channel,
        dueAt: dueAt(start, r.offsetMinutes).toISOString(),
        status: job?.status ?? 'passed',
      };
    }),
  };
}

export function toReminderJobView(j: ReminderJob): ReminderJobView {
  return {
    id: j.id,
    kind: j.kind,
    bookingId: j.kind === 'appointment' ? j.bookingId : null,
    recordId: j.kind === 'care' ? j.subjectId : null,
    ownerId: j.ownerId,
    clinicId: j.clinicId,
    offsetMinutes: j.offsetMinutes,
    channel: j.channel,
    startsAt: j.start.toISOString(),
    dueAt: j.dueAt.toISOString(),
    status: j.status,
    attempts: j.attempts,
    nextAttemptAt: j.nextAttemptAt.toISOString(),
    lastError: j.lastError,
    sentAt: j.sentAt?.toISOString() ?? null,
    createdAt: j.createdAt.toISOString(),
  };
}
