/**
 * Availability engine: turns a clinic's opening hours, staff rules, blocked times and existing bookings
 * into bookable slots for one service. Pure: no I/O, no clock (the caller passes `now` and the clinic's
 * policy), same input gives the same output.
 *
 * Time model. Rules and opening hours are wall-clock times in the clinic's IANA zone; local-days.ts
 * turns each local day's open ranges into epoch-millisecond intervals (ranges.ts holds the interval
 * arithmetic), and everything after that is integer arithmetic, so the per-slot loop never touches a
 * date library.
 *
 * Slot grid. A staff member's open ranges on a day are (union of the rules that apply to them) ∩ (the
 * clinic's opening ranges that day). Slots start every `slotStepMinutes` from the start of each such
 * range, in elapsed time. Blocks and bookings never move the grid; they only remove slots whose
 * [start, start + duration + buffer) overlaps them.
 */
import { DateTime } from 'luxon';
// The kit's error hierarchy is how typed errors reach problem+json; importing it performs no I/O.
import { BadRequestError } from '@petpro/kit';
import { DAY_MS, MINUTE_MS } from '../shared/time.ts';
import { buildDays, indexStaffRules, openFor, type OpeningHours, type ScheduleRule } from './local-days.ts';
import { EMPTY_INTERVALS, mergeIntervals, type Intervals } from './ranges.ts';

/** Longest `to - from` the engine accepts, in days. */
export const MAX_AVAILABILITY_RANGE_DAYS = 31;

/** An instant: a Date or epoch milliseconds. */
export type Instant = Date | number;

/** A blocked time: the whole clinic when `staffId` is null/absent, else one staff member. */
export interface BlockedTime {
  staffId?: string | null;
  start: Instant;
  end: Instant;
}

/** An existing non-cancelled booking; `end` already includes that booking's buffer. */
export interface BusyBooking {
  staffId: string;
  start: Instant;
  end: Instant;
}

/** The clinic's booking policy, as the engine needs it (the caller's record; there is no default here). */
export interface BookingPolicy {
  minNoticeMinutes: number;
  maxAdvanceDays: number;
  slotStepMinutes: number;
}

/** What the engine needs to know about the service being booked. */
export interface ServiceTiming {
  durationMinutes: number;
  bufferMinutes?: number;
  qualifiedStaffIds: readonly string[];
}

/** Everything one availability computation needs. `to` is exclusive: slots start in [from, to). */
export interface AvailabilityInput {
  timeZone: string;
  from: Instant;
  to: Instant;
  now: Instant;
  policy: BookingPolicy;
  service: ServiceTiming;
  /** Only this staff member (still subject to qualification). */
  staffId?: string;
  openingHours: OpeningHours;
  rules: readonly ScheduleRule[];
  blocks: readonly BlockedTime[];
  bookings: readonly BusyBooking[];
}

/** A bookable slot; instants are epoch milliseconds. `end = start + duration` (the buffer is not shown). */
export interface Slot {
  start: number;
  end: number;
  /** Qualified staff free for this slot, sorted. */
  staffIds: string[];
}

/** Input of {@link checkSlot}: the availability input for one proposed start instead of a range. */
export interface SlotCheckInput extends Omit<AvailabilityInput, 'from' | 'to' | 'staffId'> {
  start: Instant;
  staffId?: string;
}

/** Why a proposed start cannot be booked. */
export type SlotRefusal = 'too_soon' | 'too_far' | 'unavailable';

/** Outcome of {@link checkSlot}. */
export interface SlotCheck {
  bookable: boolean;
  start: number;
  end: number;
  /** Staff free for this start (only the requested one when a staffId was given), sorted. */
  staffIds: string[];
  reason?: SlotRefusal;
}

/** Thrown when `to - from` exceeds {@link MAX_AVAILABILITY_RANGE_DAYS}; maps to 400 `availability_range_too_long`. */
export class AvailabilityRangeTooLongError extends BadRequestError {
  readonly maxDays: number;
  constructor(maxDays = MAX_AVAILABILITY_RANGE_DAYS) {
    super('availability_range_too_long', `The availability range may span at most ${maxDays} days`, [
      { field: 'to', message: `Must be at most ${maxDays} days after from`, code: 'too_big' },
    ]);
    this.maxDays = maxDays;
  }
}

/** Computes the bookable slots of one service in [from, to), sorted by start. */
export function computeAvailability(input: AvailabilityInput): Slot[] {
  const fromMs = toMs(input.from);
  const toMsExcl = toMs(input.to);
  assertRangeLength(fromMs, toMsExcl, input.timeZone);

  const policy = checkPolicy(input.policy);
  const durationMs = positiveMinutes(input.service.durationMinutes, 'durationMinutes') * MINUTE_MS;
  const bufferMs = nonNegativeMinutes(input.service.bufferMinutes ?? 0, 'bufferMinutes') * MINUTE_MS;
  const heldMs = durationMs + bufferMs;
  const stepMs = policy.slotStepMinutes * MINUTE_MS;
  const nowMs = toMs(input.now);

  // Earliest and latest allowed start, both inclusive.
  const lo = Math.max(fromMs, nowMs + policy.minNoticeMinutes * MINUTE_MS);
  const hi = Math.min(toMsExcl - 1, nowMs + policy.maxAdvanceDays * DAY_MS);
  if (lo > hi) return [];

  const staff = candidateStaff(input.service.qualifiedStaffIds, input.staffId);
  if (staff.length === 0) return [];

  const days = buildDays(lo, hi, input.timeZone, input.openingHours, input.rules);
  if (days.length === 0) return [];
  const staffRules = indexStaffRules(input.rules);
  // Only intervals that can touch a held span [lo, hi + held) matter.
  const busy = indexBusy(staff, input.bookings, input.blocks, lo, hi + heldMs);

  const byStart = new Map<number, string[]>();
  // Staff are visited in sorted order, so each slot's staffIds list is built already sorted.
  for (const staffId of staff) {
    const own = staffRules.get(staffId);
    const intervals = busy.get(staffId) ?? EMPTY_INTERVALS;
    const bStart = intervals.starts;
    const bEnd = intervals.ends;
    const n = bStart.length;
    let p = 0;
    // Ranges meeting in a spring DST gap can map to overlapping instants; starting each range after the
    // previous one ended keeps t increasing (the busy pointer relies on it) and avoids duplicate starts.
    let prevEnd = -Infinity;
    for (const day of days) {
      const open = own ? openFor(day, own) : day.clinicOpen;
      for (let i = 0; i < open.length; i += 2) {
        const a = day.toEpoch(open[i]!);
        const b = day.toEpoch(open[i + 1]!);
        const lastStart = Math.min(b - heldMs, hi);
        const floor = Math.max(lo, prevEnd);
        if (b > prevEnd) prevEnd = b;
        let t = a >= floor ? a : a + Math.ceil((floor - a) / stepMs) * stepMs;
        while (t <= lastStart) {
          // Busy intervals are merged and sorted and t only grows, so one forward pointer per staff suffices.
          while (p < n && bEnd[p]! <= t) p++;
          if (p < n && bStart[p]! < t + heldMs) {
            // Jump to the first grid point at or after the end of the conflicting interval.
            t = a + Math.ceil((bEnd[p]! - a) / stepMs) * stepMs;
            continue;
          }
          const list = byStart.get(t);
          if (list) list.push(staffId);
          else byStart.set(t, [staffId]);
          t += stepMs;
        }
      }
    }
  }

  const starts = Array.from(byStart.keys()).sort((x, y) => x - y);
  const slots: Slot[] = new Array<Slot>(starts.length);
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    slots[i] = { start, end: start + durationMs, staffIds: byStart.get(start)! };
  }
  return slots;
}

/**
 * Checks whether one start can be booked and which staff are free for it, using exactly the grid and
 * rules of {@link computeAvailability}. When rescheduling, leave the booking being moved out of `bookings`.
 */
export function checkSlot(input: SlotCheckInput): SlotCheck {
  const start = toMs(input.start);
  const end = start + input.service.durationMinutes * MINUTE_MS;
  const policy = checkPolicy(input.policy);
  const nowMs = toMs(input.now);
  if (start < nowMs + policy.minNoticeMinutes * MINUTE_MS)
    return { bookable: false, start, end, staffIds: [], reason: 'too_soon' };
  if (start > nowMs + policy.maxAdvanceDays * DAY_MS)
    return { bookable: false, start, end, staffIds: [], reason: 'too_far' };
  const { start: _start, ...rest } = input;
  const slots = computeAvailability({ ...rest, from: start, to: start + 1 });
  const slot = slots.find((s) => s.start === start);
  if (!slot) return { bookable: false, start, end, staffIds: [], reason: 'unavailable' };
  return { bookable: true, start, end, staffIds: slot.staffIds };
}

/**
 * Picks the staff member with the fewest bookings that day (ties: smallest id); undefined when there are no candidates.
 */
export function pickBalancedStaff(
  candidates: readonly string[],
  bookingsInDay: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
): string | undefined {
  const countOf = (id: string): number =>
    (bookingsInDay instanceof Map ? bookingsInDay.get(id) : (bookingsInDay as Readonly<Record<string, number>>)[id]) ??
    0;
  let best: string | undefined;
  let bestCount = Infinity;
  for (const id of candidates) {
    const count = countOf(id);
    // Plain code-unit comparison keeps the tie-break independent of the server's locale.
    if (count < bestCount || (count === bestCount && best !== undefined && id < best)) {
      best = id;
      bestCount = count;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------
// Internals

function toMs(value: Instant): number {
  const ms = typeof value === 'number' ? value : value.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('Invalid instant');
  return ms;
}

/** The policy's fields checked, so a missing or broken one fails loudly instead of making a wrong grid. */
function checkPolicy(policy: BookingPolicy): BookingPolicy {
  return {
    minNoticeMinutes: nonNegativeMinutes(policy.minNoticeMinutes, 'minNoticeMinutes'),
    maxAdvanceDays: nonNegativeMinutes(policy.maxAdvanceDays, 'maxAdvanceDays'),
    // A zero step would never advance the grid.
    slotStepMinutes: positiveMinutes(policy.slotStepMinutes, 'slotStepMinutes'),
  };
}

function positiveMinutes(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function nonNegativeMinutes(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
  return value;
}

/**
 * Accepts the range when either its elapsed length or its wall-clock length is within the limit, so that
 * "31 local days" across an autumn DST change (31 days + 1 h elapsed) and "31 × 24 h" across a spring
 * change (31 days + 1 h on the wall) are both allowed.
 */
function assertRangeLength(fromMs: number, toMsExcl: number, timeZone: string): void {
  const from = DateTime.fromMillis(fromMs, { zone: timeZone });
  if (!from.isValid) throw new RangeError(`Unknown time zone: ${timeZone}`);
  const limit = MAX_AVAILABILITY_RANGE_DAYS * DAY_MS;
  const elapsed = toMsExcl - fromMs;
  if (elapsed <= limit) return;
  const to = DateTime.fromMillis(toMsExcl, { zone: timeZone });
  const wall = elapsed + (to.offset - from.offset) * MINUTE_MS;
  if (wall <= limit) return;
  throw new AvailabilityRangeTooLongError();
}

function candidateStaff(qualified: readonly string[], only: string | undefined): string[] {
  const set = new Set(qualified);
  if (only !== undefined) return set.has(only) ? [only] : [];
  return Array.from(set).sort(compareIds);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Per candidate staff member: their bookings, their blocks and clinic-wide blocks, sorted and merged. */
function indexBusy(
  staff: readonly string[],
  bookings: readonly BusyBooking[],
  blocks: readonly BlockedTime[],
  windowStart: number,
  windowEnd: number,
): Map<string, Intervals> {
  const wanted = new Set(staff);
  const own = new Map<string, number[]>();
  const clinicWide: number[] = [];
  const add = (staffId: string | null | undefined, startAt: Instant, endAt: Instant): void => {
    const start = toMs(startAt);
    const end = toMs(endAt);
    if (end <= windowStart || start >= windowEnd) return;
    if (staffId == null) {
      clinicWide.push(start, end);
      return;
    }
    if (!wanted.has(staffId)) return;
    let list = own.get(staffId);
    if (!list) own.set(staffId, (list = []));
    list.push(start, end);
  };
  for (const b of bookings) add(b.staffId, b.start, b.end);
  for (const b of blocks) add(b.staffId, b.start, b.end);
  const out = new Map<string, Intervals>();
  for (const id of staff) {
    const pairs = own.get(id);
    const all = pairs ? (clinicWide.length ? pairs.concat(clinicWide) : pairs) : clinicWide;
    if (all.length) out.set(id, mergeIntervals(all));
  }
  return out;
}
