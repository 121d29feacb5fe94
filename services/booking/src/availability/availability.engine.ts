/**
 * Availability engine: turns a clinic's opening hours, staff rules, blocked times and existing bookings
 * into bookable slots for one service. Pure: no I/O, no clock (the caller passes `now`), same input
 * gives the same output.
 *
 * Time model. Rules and opening hours are wall-clock times in the clinic's IANA zone. Luxon is used
 * only once per local day (to find that day's midnight and whether its UTC offset changes); each day's
 * open ranges then become epoch-millisecond intervals and everything after that is integer arithmetic,
 * so the per-slot loop never touches a date library.
 *
 * Slot grid. A staff member's open ranges on a day are (union of the rules that apply to them) ∩ (the
 * clinic's opening ranges that day). Slots start every `slotStepMinutes` from the start of each such
 * range, in elapsed time. Blocks and bookings never move the grid; they only remove slots whose
 * [start, start + duration + buffer) overlaps them.
 */
import { DateTime } from 'luxon';
// The kit's error hierarchy is how typed errors reach problem+json; importing it performs no I/O.
import { BadRequestError } from '@petpro/kit';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const MINUTES_PER_DAY = 1_440;

/** Longest `to - from` the engine accepts, in days. */
export const MAX_AVAILABILITY_RANGE_DAYS = 31;

/** Policy used for any field the clinic has not set (matches the API defaults). */
export const DEFAULT_BOOKING_POLICY: Readonly<BookingPolicy> = Object.freeze({
  minNoticeMinutes: 60,
  maxAdvanceDays: 90,
  slotStepMinutes: 15,
});

/** An instant: a Date or epoch milliseconds. */
export type Instant = Date | number;

/** A local wall-clock range, `"HH:MM"` to `"HH:MM"` (end exclusive; `"24:00"` allowed as an end). */
export interface LocalTimeRange {
  start: string;
  end: string;
}

/** Weekly opening hours for one weekday (1 = Monday .. 7 = Sunday). */
export interface WeeklyOpeningHours {
  weekday: number;
  ranges: readonly LocalTimeRange[];
}

/** A dated exception: no `ranges` (or none) = closed all day; `ranges` = that day's opening hours instead of the weekly ones. */
export interface Closure {
  date: string;
  reason?: string;
  ranges?: readonly LocalTimeRange[] | null;
}

/** The clinic's opening hours, in its zone. No weekly entry for a weekday means closed that weekday. */
export interface OpeningHours {
  weekly: readonly WeeklyOpeningHours[];
  closures?: readonly Closure[];
}

/** A recurring weekly working rule; without `staffId` it applies to every staff member. Dates are inclusive `YYYY-MM-DD`. */
export interface ScheduleRule {
  staffId?: string | null;
  weekday: number;
  start: string;
  end: string;
  validFrom?: string | null;
  validUntil?: string | null;
}

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

/** Booking policy of a clinic. */
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
  policy?: Partial<BookingPolicy>;
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

  const policy = resolvePolicy(input.policy);
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
    const intervals = busy.get(staffId) ?? EMPTY_BUSY;
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
  const policy = resolvePolicy(input.policy);
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

/** Picks the staff member with the fewest bookings that day (ties: smallest id); undefined when there are no candidates. */
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

/** Minute-of-day ranges as a flat list [start0, end0, start1, end1, ...], sorted and disjoint. */
type MinuteRanges = readonly number[];

interface PreparedRule {
  weekday: number;
  start: number;
  end: number;
  validFrom: string | undefined;
  validUntil: string | undefined;
}

/** Rules indexed by weekday (index 1..7). */
type RulesByWeekday = PreparedRule[][];

interface Day {
  isoDate: string;
  weekday: number;
  opening: MinuteRanges;
  /** Clinic-wide rules ∩ opening hours: the open ranges of a staff member with no rules of their own that weekday. */
  clinicOpen: MinuteRanges;
  clinicRules: MinuteRanges;
  toEpoch: (minuteOfDay: number) => number;
}

interface BusyIntervals {
  starts: number[];
  ends: number[];
}

const EMPTY_BUSY: BusyIntervals = { starts: [], ends: [] };

function toMs(value: Instant): number {
  const ms = typeof value === 'number' ? value : value.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('Invalid instant');
  return ms;
}

function resolvePolicy(policy: Partial<BookingPolicy> | undefined): BookingPolicy {
  return {
    minNoticeMinutes: nonNegativeMinutes(
      policy?.minNoticeMinutes ?? DEFAULT_BOOKING_POLICY.minNoticeMinutes,
      'minNoticeMinutes',
    ),
    maxAdvanceDays: nonNegativeMinutes(
      policy?.maxAdvanceDays ?? DEFAULT_BOOKING_POLICY.maxAdvanceDays,
      'maxAdvanceDays',
    ),
    // A zero step would never advance the grid.
    slotStepMinutes: positiveMinutes(
      policy?.slotStepMinutes ?? DEFAULT_BOOKING_POLICY.slotStepMinutes,
      'slotStepMinutes',
    ),
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

/** Parses `"HH:MM"` to minutes since local midnight; `"24:00"` is the end of the day. */
function parseLocalTime(value: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(value);
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
  if (!match || Number(match[2]) >= 60 || !(minutes <= MINUTES_PER_DAY))
    throw new RangeError(`Invalid local time: ${value}`);
  return minutes;
}

/** Sorts and merges [start, end) pairs; touching ranges merge because the staff member is continuously open across them. */
function normalise(pairs: number[]): MinuteRanges {
  const count = pairs.length / 2;
  if (count === 0) return EMPTY_RANGES;
  const idx: number[] = [];
  for (let i = 0; i < count; i++) if (pairs[2 * i + 1]! > pairs[2 * i]!) idx.push(i);
  idx.sort((x, y) => pairs[2 * x]! - pairs[2 * y]!);
  const out: number[] = [];
  for (const i of idx) {
    const s = pairs[2 * i]!;
    const e = pairs[2 * i + 1]!;
    const last = out.length - 1;
    if (last > 0 && s <= out[last]!) {
      if (e > out[last]!) out[last] = e;
    } else {
      out.push(s, e);
    }
  }
  return out;
}

const EMPTY_RANGES: MinuteRanges = Object.freeze([]) as MinuteRanges;

function intersect(a: MinuteRanges, b: MinuteRanges): MinuteRanges {
  if (a.length === 0 || b.length === 0) return EMPTY_RANGES;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const s = Math.max(a[i]!, b[j]!);
    const e = Math.min(a[i + 1]!, b[j + 1]!);
    if (s < e) out.push(s, e);
    if (a[i + 1]! < b[j + 1]!) i += 2;
    else j += 2;
  }
  return out;
}

function localRanges(ranges: readonly LocalTimeRange[]): number[] {
  const pairs: number[] = [];
  for (const r of ranges) pairs.push(parseLocalTime(r.start), parseLocalTime(r.end));
  return pairs;
}

function prepareRule(rule: ScheduleRule): PreparedRule {
  return {
    weekday: rule.weekday,
    start: parseLocalTime(rule.start),
    end: parseLocalTime(rule.end),
    validFrom: rule.validFrom ?? undefined,
    validUntil: rule.validUntil ?? undefined,
  };
}

function emptyWeek(): RulesByWeekday {
  return [[], [], [], [], [], [], [], []];
}

/** Staff-specific rules per staff member and weekday. */
function indexStaffRules(rules: readonly ScheduleRule[]): Map<string, RulesByWeekday> {
  const out = new Map<string, RulesByWeekday>();
  for (const rule of rules) {
    if (rule.staffId == null || rule.weekday < 1 || rule.weekday > 7) continue;
    let week = out.get(rule.staffId);
    if (!week) out.set(rule.staffId, (week = emptyWeek()));
    week[rule.weekday]!.push(prepareRule(rule));
  }
  return out;
}

/** Ranges of the rules valid on `isoDate` (YYYY-MM-DD compares correctly as a string). */
function ruleRanges(rules: readonly PreparedRule[], isoDate: string): number[] {
  const pairs: number[] = [];
  for (const r of rules) {
    if (r.validFrom !== undefined && isoDate < r.validFrom) continue;
    if (r.validUntil !== undefined && isoDate > r.validUntil) continue;
    pairs.push(r.start, r.end);
  }
  return pairs;
}

function openFor(day: Day, own: RulesByWeekday): MinuteRanges {
  const mine = ruleRanges(own[day.weekday]!, day.isoDate);
  if (mine.length === 0) return day.clinicOpen;
  return intersect(normalise([...day.clinicRules, ...mine]), day.opening);
}

/** The local days from the one holding `lo` to the one holding `hi`, with their opening hours and clock. */
function buildDays(lo: number, hi: number, zone: string, hours: OpeningHours, rules: readonly ScheduleRule[]): Day[] {
  const weekly: number[][] = [[], [], [], [], [], [], [], []];
  for (const w of hours.weekly) if (w.weekday >= 1 && w.weekday <= 7) weekly[w.weekday]!.push(...localRanges(w.ranges));
  const weeklyRanges = weekly.map(normalise);
  const closures = new Map<string, number[]>();
  for (const c of hours.closures ?? []) {
    // Several entries for one date add up: their ranges together are that day's opening hours.
    const list = closures.get(c.date) ?? [];
    if (c.ranges) list.push(...localRanges(c.ranges));
    closures.set(c.date, list);
  }
  const clinicRules = emptyWeek();
  for (const rule of rules)
    if (rule.staffId == null && rule.weekday >= 1 && rule.weekday <= 7)
      clinicRules[rule.weekday]!.push(prepareRule(rule));

  const first = DateTime.fromMillis(lo, { zone });
  const last = DateTime.fromMillis(hi, { zone });
  // Calendar dates are walked as UTC dates: pure civil-date arithmetic, no zone involved.
  let civil = Date.UTC(first.year, first.month - 1, first.day);
  const lastCivil = Date.UTC(last.year, last.month - 1, last.day);
  let dayStart = localMidnight(civil, zone);
  const days: Day[] = [];
  for (; civil <= lastCivil; civil += DAY_MS) {
    const date = new Date(civil);
    const isoDate = date.toISOString().slice(0, 10);
    const weekday = ((date.getUTCDay() + 6) % 7) + 1;
    const nextStart = localMidnight(civil + DAY_MS, zone);
    const closure = closures.get(isoDate);
    const opening = closure ? normalise(closure) : weeklyRanges[weekday]!;
    const clinicRuleRanges = normalise(ruleRanges(clinicRules[weekday]!, isoDate));
    days.push({
      isoDate,
      weekday,
      opening,
      clinicRules: clinicRuleRanges,
      clinicOpen: intersect(clinicRuleRanges, opening),
      toEpoch: dayClock(civil, dayStart.ms, nextStart.ms, dayStart.offset === nextStart.offset, zone),
    });
    dayStart = nextStart;
  }
  return days;
}

function localMidnight(civil: number, zone: string): { ms: number; offset: number } {
  const d = new Date(civil);
  const dt = DateTime.fromObject(
    { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
    { zone },
  );
  return { ms: dt.toMillis(), offset: dt.offset };
}

/**
 * Converts a minute of the local day to epoch ms. On a day whose UTC offset is the same at both
 * midnights (every day but DST-change days) that is plain addition; on a change day each distinct
 * minute is resolved once by luxon (which moves times in a spring gap forward) and memoised.
 */
function dayClock(
  civil: number,
  startMs: number,
  nextStartMs: number,
  uniform: boolean,
  zone: string,
): (minute: number) => number {
  if (uniform && nextStartMs - startMs === DAY_MS) return (minute) => startMs + minute * MINUTE_MS;
  const d = new Date(civil);
  const memo = new Map<number, number>();
  return (minute) => {
    if (minute >= MINUTES_PER_DAY) return nextStartMs;
    let ms = memo.get(minute);
    if (ms === undefined) {
      ms = DateTime.fromObject(
        {
          year: d.getUTCFullYear(),
          month: d.getUTCMonth() + 1,
          day: d.getUTCDate(),
          hour: Math.floor(minute / 60),
          minute: minute % 60,
        },
        { zone },
      ).toMillis();
      memo.set(minute, ms);
    }
    return ms;
  };
}

/** Per candidate staff member: their bookings, their blocks and clinic-wide blocks, sorted and merged. */
function indexBusy(
  staff: readonly string[],
  bookings: readonly BusyBooking[],
  blocks: readonly BlockedTime[],
  windowStart: number,
  windowEnd: number,
): Map<string, BusyIntervals> {
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
  const out = new Map<string, BusyIntervals>();
  for (const id of staff) {
    const pairs = own.get(id);
    const all = pairs ? (clinicWide.length ? pairs.concat(clinicWide) : pairs) : clinicWide;
    if (all.length) out.set(id, mergeIntervals(all));
  }
  return out;
}

function mergeIntervals(pairs: readonly number[]): BusyIntervals {
  const count = pairs.length / 2;
  const idx: number[] = [];
  for (let i = 0; i < count; i++) if (pairs[2 * i + 1]! > pairs[2 * i]!) idx.push(i);
  idx.sort((x, y) => pairs[2 * x]! - pairs[2 * y]!);
  const starts: number[] = [];
  const ends: number[] = [];
  for (const i of idx) {
    const s = pairs[2 * i]!;
    const e = pairs[2 * i + 1]!;
    const last = ends.length - 1;
    if (last >= 0 && s <= ends[last]!) {
      if (e > ends[last]!) ends[last] = e;
    } else {
      starts.push(s);
      ends.push(e);
    }
  }
  return { starts, ends };
}
