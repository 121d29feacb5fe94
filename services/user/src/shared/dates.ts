import { DateTime } from 'luxon';
import { z } from '@petpro/kit';

/** The default time zone of a user (preferences), whose calendar gives "today": most users are in western Indonesia. */
export const HOME_ZONE = 'Asia/Jakarta';
/**
 * The zone where the calendar date changes first on Earth (UTC+14). A date is "in the future" only
 * when it is after today there, so a user anywhere may enter today's date.
 */
const EARLIEST_ZONE = 'Pacific/Kiritimati';

/** Today's calendar date (YYYY-MM-DD) in `zone`, at `now`. */
export function todayIn(zone: string = HOME_ZONE, now: Date = new Date()): string {
  return DateTime.fromJSDate(now, { zone }).toISODate()!;
}

/** True when `date` is later than today anywhere on Earth. */
export function isFutureDate(date: string, now: Date = new Date()): boolean {
  return date > todayIn(EARLIEST_ZONE, now);
}

/** A real calendar date as YYYY-MM-DD (2025-02-30 is refused). */
export const dateString = () =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
    .refine((v) => DateTime.fromISO(v, { zone: 'utc' }).isValid, 'is not a valid calendar date')
    .openapi({ format: 'date', example: '2022-05-17' });

/** A calendar date that is not in the future (and not before 1900). */
export const pastDateString = () =>
  dateString()
    .refine((v) => v >= '1900-01-01', 'must not be before 1900')
    .refine((v) => !isFutureDate(v), 'must not be in the future');
