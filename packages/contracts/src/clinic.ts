/**
 * The clinic service's internal views that the booking service reads (GET /internal/clinics/{id},
 * /internal/clinics/{id}/services/{serviceId} and the two together): what availability and bookings
 * need of a clinic.
 */
import { isValidTimeZone, parseLocalTime, z } from '@petpro/kit';

/** `HH:MM`, `24:00` allowed (as an end). */
const localTime = z.string().refine((v) => parseLocalTime(v) !== undefined, 'must be a time HH:MM');
const range = z.object({ start: localTime, end: localTime });

/** A clinic with its zone, opening hours and staff (published or not: the owner's own calendar works before). */
export const InternalClinic = z.object({
  id: z.string(),
  ownerUserId: z.string(),
  name: z.string(),
  timeZone: z.string().refine(isValidTimeZone, 'unknown time zone'),
  published: z.boolean(),
  /** The street address and city, named in reminders (absent from older producers). */
  address: z.string().nullish(),
  city: z.string().nullish(),
  openingHours: z.object({
    weekly: z.array(z.object({ weekday: z.number().int().min(1).max(7), ranges: z.array(range) })),
    closures: z
      .array(
        z.object({
          date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
          reason: z
            .string()
            .nullish()
            .transform((v) => v ?? undefined),
          ranges: z.array(range).nullish(),
        }),
      )
      .default([]),
  }),
  staff: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      role: z.string(),
      serviceIds: z.array(z.string()).default([]),
      userId: z.string().nullish(),
    }),
  ),
});

/** One service of a clinic's catalogue, with its timing and the staff qualified to perform it. */
export const InternalService = z.object({
  id: z.string(),
  clinicId: z.string(),
  name: z.string(),
  category: z.string().nullish(),
  durationMinutes: z.number().int().positive(),
  bufferMinutes: z.number().int().min(0).nullish(),
  price: z.object({ amount: z.number().int().min(0), currency: z.string() }),
  active: z.boolean(),
  qualifiedStaffIds: z.array(z.string()),
});

/**
 * GET /internal/clinics/{id}/services/{serviceId}/bookable: the clinic and one of its services in one
 * answer, read together for each booking decision (one call instead of two on the booking hot path).
 */
export const InternalBookable = z.object({ clinic: InternalClinic, service: InternalService });

/** What the clinic service sends (its type checks the producer). */
export type InternalBookableAnswer = z.input<typeof InternalBookable>;
export type InternalClinicAnswer = z.input<typeof InternalClinic>;
export type InternalServiceAnswer = z.input<typeof InternalService>;
/** What the booking service reads after parsing. */
export type InternalClinicView = z.output<typeof InternalClinic>;
export type InternalServiceView = z.output<typeof InternalService>;
