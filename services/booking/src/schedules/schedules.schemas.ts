import { z } from '@petpro/kit';
import { Instant, LocalDate, LocalEndTime, LocalTime, Uuid, DateOrInstant } from '../shared/schemas.ts';

const MAX_RULES = 500;
const WEEK_MINUTES = 7 * 24 * 60;
const YEAR_MINUTES = 366 * 24 * 60;

export const RuleInput = z
  .strictObject({
    staffId: Uuid.nullish().openapi({ description: 'Omit for a rule that applies to every staff member' }),
    weekday: z.number().int().min(1, 'must be 1 (Monday) to 7 (Sunday)').max(7, 'must be 1 (Monday) to 7 (Sunday)'),
    start: LocalTime,
    end: LocalEndTime,
    validFrom: LocalDate.nullish(),
    validUntil: LocalDate.nullish(),
  })
  .refine((r) => r.start < r.end, { message: 'must be after start', path: ['end'] })
  .refine((r) => !r.validFrom || !r.validUntil || r.validFrom <= r.validUntil, {
    message: 'must not be before validFrom',
    path: ['validUntil'],
  });

export const RulesBody = z
  .strictObject({ rules: z.array(RuleInput).max(MAX_RULES, `at most ${MAX_RULES} rules`) })
  .openapi('ScheduleRulesRequest');
export type RulesBody = z.output<typeof RulesBody>;

export const RuleSchema = z.object({
  id: z.uuid(),
  staffId: z.string().nullable(),
  weekday: z.number().int(),
  start: z.string(),
  end: z.string(),
  validFrom: z.string().nullable(),
  validUntil: z.string().nullable(),
});
export type RuleView = z.output<typeof RuleSchema>;

export const RulesResponse = z
  .object({ clinicId: z.string(), timeZone: z.string(), rules: z.array(RuleSchema) })
  .openapi('ScheduleRules', {
    description: 'Weekly working hours in the clinic’s zone; a rule without staffId applies to every staff member',
  });
export type RulesView = z.output<typeof RulesResponse>;

const minutesBetween = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 60_000;

export const BlockBody = z
  .strictObject({
    staffId: Uuid.nullish().openapi({ description: 'Omit to block the whole clinic' }),
    start: Instant,
    end: Instant,
    reason: z.string().trim().min(1, 'is required').max(200),
    recurrence: z
      .strictObject({
        weekly: z.literal(true),
        until: LocalDate.nullish().openapi({
          description: 'Last clinic-local date an occurrence may start on; omit to repeat without end',
        }),
      })
      .nullish()
      .openapi({ description: 'Repeat every week at the same local times in the clinic’s zone' }),
  })
  .refine((b) => minutesBetween(b.start, b.end) > 0, { message: 'must be after start', path: ['end'] })
  .refine((b) => minutesBetween(b.start, b.end) <= (b.recurrence ? WEEK_MINUTES : YEAR_MINUTES), {
    message: 'a block may last at most 366 days, a weekly block at most 7 days',
    path: ['end'],
  })
  .openapi('ScheduleBlockRequest');
export type BlockBody = z.output<typeof BlockBody>;

export const BlockSchema = z
  .object({
    id: z.uuid(),
    clinicId: z.string(),
    staffId: z.string().nullable(),
    start: z.string(),
    end: z.string(),
    reason: z.string(),
    recurrence: z.object({ weekly: z.literal(true), until: z.string().nullable() }).nullable(),
    createdAt: z.string(),
  })
  .openapi('ScheduleBlock');
export type BlockView = z.output<typeof BlockSchema>;

export const BlockListResponse = z.object({ items: z.array(BlockSchema) }).openapi('ScheduleBlockList');

export const BlocksQuery = z.object({
  from: DateOrInstant.optional().openapi({ description: 'Default: now' }),
  to: DateOrInstant.optional().openapi({ description: 'Default: no end' }),
});

export const BlockParams = z.object({ clinicId: Uuid, blockId: Uuid });

export const PolicyFields = {
  minNoticeMinutes: z.number().int().min(0).max(43_200),
  maxAdvanceDays: z.number().int().min(1).max(730),
  cancellationCutoffMinutes: z.number().int().min(0).max(43_200),
  slotStepMinutes: z.number().int().min(5).max(240),
  dailyAgendaMail: z
    .boolean({ error: 'must be true or false' })
    .openapi({ description: 'Mail the day’s bookings to the clinic’s owner at 07:00 in its zone' }),
};

export const PolicyBody = z
  .strictObject({
    minNoticeMinutes: PolicyFields.minNoticeMinutes.optional(),
    maxAdvanceDays: PolicyFields.maxAdvanceDays.optional(),
    cancellationCutoffMinutes: PolicyFields.cancellationCutoffMinutes.optional(),
    slotStepMinutes: PolicyFields.slotStepMinutes.optional(),
    dailyAgendaMail: PolicyFields.dailyAgendaMail.optional(),
  })
  .openapi('BookingPolicyRequest', {
    description: 'The whole policy; an omitted field takes its default (60, 90, 120, 15, true)',
  });
export type PolicyBody = z.output<typeof PolicyBody>;

export const PolicyResponse = z
  .object({ clinicId: z.string(), ...PolicyFields, isDefault: z.boolean() })
  .openapi('BookingPolicy');
export type PolicyView = z.output<typeof PolicyResponse>;
