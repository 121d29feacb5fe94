/**
 * Wall-clock pieces every service shares: IANA zone names (clinic zones, schedules, user
 * preferences) and local `HH:MM` times (opening hours, schedule rules). Luxon knows the zones.
 */
import { DateTime, IANAZone } from 'luxon';
import { z } from './api-router.ts';

/** Zone names already checked: luxon's check builds an Intl.DateTimeFormat, ~1 ms, on every call. */
const knownZones = new Map<string, boolean>();

/** True for a time zone name the runtime's zone database knows (e.g. `Asia/Jakarta`); memoised. */
export function isValidTimeZone(zone: string): boolean {
  let valid = knownZones.get(zone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone);
    // Bounded: names come from records and query strings; a flood of junk must not grow it.
    if (knownZones.size < 1_000) knownZones.set(zone, valid);
  }
  return valid;
}

const TIME_ZONE_MESSAGE = 'must be an IANA time zone such as Asia/Jakarta';

/** A zone name in a request body: trimmed, known to the zone database (no zone name is near 64 characters). */
export const timeZoneString = () =>
  z.string().trim().max(64, TIME_ZONE_MESSAGE).refine(isValidTimeZone, TIME_ZONE_MESSAGE);

/** Minutes in a day: `24:00` as a local time. */
export const MINUTES_PER_DAY = 1_440;

const LOCAL_TIME_RE = /^([01]\d|2[0-3]):[0-5]\d$/;
const LOCAL_END_TIME_RE = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

/**
 * Minutes since local midnight of `HH:MM` (00:00 to 23:59, and `24:00` = 1440, the end of the day),
 * or undefined when the text is no such time.
 */
export function parseLocalTime(value: string): number | undefined {
  if (!LOCAL_END_TIME_RE.test(value)) return undefined;
  return Number(value.slice(0, 2)) * 60 + Number(value.slice(3, 5));
}

/** A local wall-clock time `HH:MM` (24 h) in a request body. */
export const localTimeString = () => z.string().regex(LOCAL_TIME_RE, 'must be a time HH:MM (00:00-23:59)');

/** A local end time in a request body: `HH:MM` or `24:00` (until midnight). */
export const localEndTimeString = () => z.string().regex(LOCAL_END_TIME_RE, 'must be a time HH:MM (00:00-24:00)');

/**
 * The zone where the calendar date changes first on Earth (UTC+14). A date is "in the future" only
 * when it is after today there, so a user anywhere may enter today's date.
 */
const EARLIEST_ZONE = 'Pacific/Kiritimati';

/** Today's calendar date (`YYYY-MM-DD`) in `zone`, at `now`. */
export function todayIn(zone: string, now: Date = new Date()): string {
  return DateTime.fromJSDate(now, { zone }).toISODate()!;
}

/** True when the calendar date `date` (`YYYY-MM-DD`) is later than today anywhere on Earth. */
export function isFutureDate(date: string, now: Date = new Date()): boolean {
  return date > todayIn(EARLIEST_ZONE, now);
}

/** A real calendar date `YYYY-MM-DD` in a request (2025-02-30 is refused). */
export const calendarDateString = () =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
    .refine((v) => DateTime.fromISO(v, { zone: 'utc' }).isValid, 'is not a valid calendar date')
    .openapi({ format: 'date', example: '2022-05-17' });

/** A calendar date that is not in the future anywhere on Earth, nor before 1900 (a birth date, a visit). */
export const pastDateString = () =>
  calendarDateString()
    .refine((v) => v >= '1900-01-01', 'must not be before 1900')
    .refine((v) => !isFutureDate(v), 'must not be in the future');
