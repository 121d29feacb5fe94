/**
 * Opening hours as local wall-clock rules in the clinic's IANA zone: pure validation and the
 * `openNow` computation. Ranges are `[start, end)` in `HH:MM`; `24:00` is allowed as an end so a
 * day can run to midnight. A range never crosses midnight: overnight hours are two ranges, one on
 * each day (the booking service's availability engine reads the same shape).
 */
import { DateTime } from 'luxon';
import { MINUTES_PER_DAY, parseLocalTime, type FieldError } from '@petpro/kit';

export interface TimeRange {
  start: string;
  end: string;
}
export interface WeeklyHours {
  weekday: number;
  ranges: TimeRange[];
}
/**
 * A dated exception: without ranges (or with none) the clinic is closed all day; with ranges they replace that day's
 * weekly hours.
 */
export interface Closure {
  date: string;
  reason: string;
  ranges?: TimeRange[];
}
export interface OpeningHours {
  weekly: WeeklyHours[];
  closures: Closure[];
}

export const DEFAULT_TIME_ZONE = 'Asia/Jakarta';
export const EMPTY_HOURS: OpeningHours = { weekly: [], closures: [] };

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isValidDate(date: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && DateTime.fromISO(date, { zone: 'UTC' }).isValid;
}

function checkRanges(ranges: TimeRange[], field: string, errors: FieldError[]): void {
  const parsed: Array<{ start: number; end: number; i: number }> = [];
  ranges.forEach((r, i) => {
    const start = parseLocalTime(r.start);
    const end = parseLocalTime(r.end);
    if (start === undefined || start >= MINUTES_PER_DAY)
      errors.push({
        field: `${field}.${i}.start`,
        message: 'must be a time HH:MM from 00:00 to 23:59',
        code: 'invalid_time',
      });
    if (end === undefined)
      errors.push({
        field: `${field}.${i}.end`,
        message: 'must be a time HH:MM from 00:01 to 24:00',
        code: 'invalid_time',
      });
    if (start === undefined || end === undefined || start >= MINUTES_PER_DAY) return;
    if (start >= end) {
      errors.push({ field: `${field}.${i}`, message: 'start must be before end', code: 'start_not_before_end' });
      return;
    }
    parsed.push({ start, end, i });
  });
  parsed.sort((a, b) => a.start - b.start);
  for (let k = 1; k < parsed.length; k++) {
    const prev = parsed[k - 1]!;
    const cur = parsed[k]!;
    // Touching ranges (12:00 end, 12:00 start) do not overlap: ends are exclusive.
    if (cur.start < prev.end)
      errors.push({ field: `${field}.${cur.i}`, message: `overlaps range ${prev.i}`, code: 'overlapping_ranges' });
  }
}

/**
 * Every problem with a set of opening hours, as field errors: times, start before end, overlaps
 * within a day, weekday 1..7 listed once, real and unique closure dates.
 */
export function validateOpeningHours(hours: OpeningHours): FieldError[] {
  const errors: FieldError[] = [];
  const weekdays = new Set<number>();
  hours.weekly.forEach((w, i) => {
    if (!Number.isInteger(w.weekday) || w.weekday < 1 || w.weekday > 7)
      errors.push({
        field: `weekly.${i}.weekday`,
        message: 'must be 1 (Monday) to 7 (Sunday)',
        code: 'invalid_weekday',
      });
    else if (weekdays.has(w.weekday))
      errors.push({
        field: `weekly.${i}.weekday`,
        message: `weekday ${w.weekday} is listed twice; put all its ranges in one entry`,
        code: 'duplicate_weekday',
      });
    weekdays.add(w.weekday);
    checkRanges(w.ranges, `weekly.${i}.ranges`, errors);
  });
  const dates = new Set<string>();
  hours.closures.forEach((c, i) => {
    if (!isValidDate(c.date))
      errors.push({ field: `closures.${i}.date`, message: 'must be a date YYYY-MM-DD', code: 'invalid_date' });
    else if (dates.has(c.date))
      errors.push({ field: `closures.${i}.date`, message: `${c.date} is listed twice`, code: 'duplicate_date' });
    dates.add(c.date);
    if (c.ranges) checkRanges(c.ranges, `closures.${i}.ranges`, errors);
  });
  return errors;
}

/** Sorted copy: weekdays in order, ranges by start, closures by date (a stable shape for storage and responses). */
export function normaliseOpeningHours(hours: OpeningHours): OpeningHours {
  const byStart = (a: TimeRange, b: TimeRange) => (parseLocalTime(a.start) ?? 0) - (parseLocalTime(b.start) ?? 0);
  return {
    weekly: [...hours.weekly]
      .sort((a, b) => a.weekday - b.weekday)
      .map((w) => ({ weekday: w.weekday, ranges: [...w.ranges].sort(byStart) })),
    closures: [...hours.closures]
      .sort((a, b) => a.date.localeCompare(b.date))
      .map((c) => ({
        date: c.date,
        reason: c.reason,
        ...(c.ranges?.length ? { ranges: [...c.ranges].sort(byStart) } : {}),
      })),
  };
}

/** The ranges that apply on a local date: the closure's (none = closed) or the weekday's. */
export function rangesOn(hours: OpeningHours, isoDate: string, weekday: number): TimeRange[] {
  const closure = hours.closures.find((c) => c.date === isoDate);
  if (closure) return closure.ranges ?? [];
  return hours.weekly.find((w) => w.weekday === weekday)?.ranges ?? [];
}

/** Whether the clinic is open at `now`, judged on the local clock of `timeZone` (so DST and offsets are the zone's). */
export function isOpenAt(hours: OpeningHours, timeZone: string, now: Date = new Date()): boolean {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  if (!local.isValid) return false;
  const minute = local.hour * 60 + local.minute;
  return rangesOn(hours, local.toISODate()!, local.weekday).some((r) => {
    const start = parseLocalTime(r.start);
    const end = parseLocalTime(r.end);
    return start !== undefined && end !== undefined && minute >= start && minute < end;
  });
}
