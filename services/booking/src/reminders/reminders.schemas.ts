import { CHANNELS, pageOf, z } from '@petpro/kit';
import { MAX_OFFSET_MINUTES, MAX_REMINDERS, MIN_OFFSET_MINUTES } from './reminders.model.ts';

const REMINDER_STATUSES = ['scheduled', 'sending', 'sent', 'skipped', 'failed', 'cancelled'] as const;

const ChannelField = z.enum(CHANNELS, { error: `must be one of ${CHANNELS.join(', ')}` });

export const ReminderSpecSchema = z.strictObject({
  offsetMinutes: z
    .number({ error: 'must be a number of minutes' })
    .int('must be whole minutes')
    .min(MIN_OFFSET_MINUTES, `must be at least ${MIN_OFFSET_MINUTES} minutes`)
    .max(MAX_OFFSET_MINUTES, 'must be at most 30 days (43200 minutes)')
    .openapi({ description: 'Minutes before the start', example: 120 }),
  channel: ChannelField,
});

export const PutRemindersBody = z
  .strictObject({
    reminders: z
      .array(ReminderSpecSchema)
      .max(MAX_REMINDERS, `must hold at most ${MAX_REMINDERS} reminders`)
      .refine(
        (rs) => new Set(rs.map((r) => `${r.offsetMinutes}/${r.channel}`)).size === rs.length,
        'must not name the same offset and channel twice',
      ),
  })
  .openapi('PutRemindersBody');
export type PutRemindersBody = z.output<typeof PutRemindersBody>;

export const BookingRemindersSchema = z
  .object({
    reminders: z.array(
      z.object({
        offsetMinutes: z.number().int(),
        channel: ChannelField,
        dueAt: z.string().openapi({ description: 'When it goes out (instant)' }),
        status: z.enum([...REMINDER_STATUSES, 'passed']).openapi({
          description:
            'scheduled, sending, sent, skipped (no longer applies), failed, ' +
            'or passed (its time had gone when the booking was made)',
        }),
      }),
    ),
  })
  .openapi('BookingReminders');
export type BookingRemindersView = z.output<typeof BookingRemindersSchema>;

export const AdminRemindersQuery = z.strictObject({
  status: z.enum(REMINDER_STATUSES, { error: `must be one of ${REMINDER_STATUSES.join(', ')}` }).optional(),
  channel: ChannelField.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});
export type AdminRemindersQuery = z.output<typeof AdminRemindersQuery>;

export const ReminderJobSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(['appointment', 'care']),
    /** Appointment reminders: the booking and its clinic. */
    bookingId: z.uuid().nullable(),
    /** Care reminders: the medical record whose due date it announces (`startsAt` is the due date). */
    recordId: z.uuid().nullable(),
    ownerId: z.uuid(),
    clinicId: z.uuid().nullable(),
    offsetMinutes: z.number().int(),
    channel: ChannelField,
    startsAt: z.string(),
    dueAt: z.string(),
    status: z.enum(REMINDER_STATUSES),
    attempts: z.number().int(),
    nextAttemptAt: z.string(),
    lastError: z.string().nullable(),
    sentAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('ReminderJob');
export type ReminderJobView = z.output<typeof ReminderJobSchema>;
export const ReminderJobPage = pageOf(ReminderJobSchema).openapi('ReminderJobPage');
