/**
 * Conversions at the edges of the booking service: clinic-local dates and ISO instants in, ISO
 * instants carrying the clinic's offset out. Luxon does the zone arithmetic; the formatter memoises
 * offsets per day so that formatting a month of slots does not call the library once per slot.
 */
import { DateTime } from 'luxon';
import { BadRequestError } from '@petpro/kit';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** `+07:00` for 420 minutes; always numeric so every instant carries an explicit offset. */
function offsetString(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * A formatter of epoch ms as ISO 8601 in `zone` (`2027-05-03T09:00:00+07:00`). The offset is looked up
 * once per UTC day: when it is the same at both ends of the day (every day without a DST change; no
 * zone changes its offset twice within 24 hours) it holds for the whole day; on a change day each
 * instant is resolved exactly.
 */
export function instantFormatter(zone: string): (ms: number) => string {
  const offsets = new Map<number, number>();
  const offsetAt = (ms: number): number => DateTime.fromMillis(ms, { zone }).offset;
  return (ms) => {
    const day = Math.floor(ms / DAY_MS);
    let offset = offsets.get(day);
    if (offset === undefined) {
      const first = offsetAt(day * DAY_MS);
      const last = offsetAt(day * DAY_MS + DAY_MS - 1);
      offset = first === last ? first : Number.NaN;
      offsets.set(day, offset);
    }
    const exact = Number.isNaN(offset) ? offsetAt(ms) : offset;
    const wall = new Date(ms + exact * MINUTE_MS).toISOString().slice(0, 19);
    return `${wall}${offsetString(exact)}`;
  };
}

/** One instant as ISO 8601 with the zone's offset. */
export function formatInstant(value: Date | number, zone: string): string {
  return instantFormatter(zone)(typeof value === 'number' ? value : value.getTime());
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a `YYYY-MM-DD` date (as opposed to an instant). */
export function isLocalDate(value: string): boolean {
  return DATE_RE.test(value);
}

/** Epoch ms of the start of a local date in `zone`. */
export function startOfLocalDay(date: string, zone: string): number {
  const dt = DateTime.fromISO(date, { zone }).startOf('day');
  if (!dt.isValid) throw new BadRequestError('invalid_date', `Not a valid date: ${date}`);
  return dt.toMillis();
}

/** The clinic-local date (`YYYY-MM-DD`) of an instant. */
export function localDateOf(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISODate()!;
}

/** [start, end) of the clinic-local day holding `ms`. */
export function localDayBounds(ms: number, zone: string): { start: number; end: number } {
  const day = DateTime.fromMillis(ms, { zone }).startOf('day');
  return { start: day.toMillis(), end: day.plus({ days: 1 }).toMillis() };
}

/**
 * A query window from `from`/`to`, each a clinic-local date or an ISO instant. A date as `from` means
 * the start of that day; a date as `to` includes that whole day. The result is half-open [from, to).
 */
export function parseWindow(from: string, to: string, zone: string): { from: number; to: number } {
  const fromMs = isLocalDate(from) ? startOfLocalDay(from, zone) : Date.parse(from);
  const toMs = isLocalDate(to)
    ? DateTime.fromMillis(startOfLocalDay(to, zone), { zone }).plus({ days: 1 }).toMillis()
    : Date.parse(to);
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs))
    throw new BadRequestError('invalid_range', 'from and to must be dates or ISO instants');
  if (toMs <= fromMs) {
    throw new BadRequestError('invalid_range', 'to must be after from', [
      { field: 'to', message: 'must be after from', code: 'invalid_range' },
    ]);
  }
  return { from: fromMs, to: toMs };
}

export { MINUTE_MS, DAY_MS };
