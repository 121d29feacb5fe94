/**
 * The clinic's local days in its IANA zone: which minute-of-day ranges are open on each date (weekly
 * opening hours or that date's exception, intersected with the rules valid that day) and the clock
 * that turns a minute of that day into epoch ms.
 *
 * Luxon is used only once per local day (to find that day's midnight and whether its UTC offset
 * changes); the engine's per-slot loop then works in epoch ms and never touches a date library.
 */
import { DateTime } from 'luxon';
import { DAY_MS, MINUTE_MS } from '../shared/time.ts';
import {
  intersect,
  localRanges,
  MINUTES_PER_DAY,
  normalise,
  localMinutes,
  type LocalTimeRange,
  type MinuteRanges,
} from './ranges.ts';

/** Weekly opening hours for one weekday (1 = Monday .. 7 = Sunday). */
export interface WeeklyOpeningHours {
  weekday: number;
  ranges: readonly LocalTimeRange[];
}

/**
 * A dated exception: no `ranges` (or none) = closed all day; `ranges` = that day's opening hours instead of the weekly
 * ones.
 */
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

/**
 * A recurring weekly working rule; without `staffId` it applies to every staff member. Dates are inclusive
 * `YYYY-MM-DD`.
 */
export interface ScheduleRule {
  staffId?: string | null;
  weekday: number;
  start: string;
  end: string;
  validFrom?: string | null;
  validUntil?: string | null;
}

interface PreparedRule {
  weekday: number;
  start: number;
  end: number;
  validFrom: string | undefined;
  validUntil: string | undefined;
}

/** Rules indexed by weekday (index 1..7). */
export type RulesByWeekday = PreparedRule[][];

/** One local date of the clinic, with its open ranges and its clock. */
export interface Day {
  isoDate: string;
  weekday: number;
  opening: MinuteRanges;
  /** Clinic-wide rules ∩ opening hours: the open ranges of a staff member with no rules of their own that weekday. */
  clinicOpen: MinuteRanges;
  clinicRules: MinuteRanges;
  toEpoch: (minuteOfDay: number) => number;
}

function prepareRule(rule: ScheduleRule): PreparedRule {
  return {
    weekday: rule.weekday,
    start: localMinutes(rule.start),
    end: localMinutes(rule.end),
    validFrom: rule.validFrom ?? undefined,
    validUntil: rule.validUntil ?? undefined,
  };
}

function emptyWeek(): RulesByWeekday {
  return [[], [], [], [], [], [], [], []];
}

/** Staff-specific rules per staff member and weekday. */
export function indexStaffRules(rules: readonly ScheduleRule[]): Map<string, RulesByWeekday> {
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

/** A staff member's open ranges on a day: their own rules with the clinic-wide ones, within the opening hours. */
export function openFor(day: Day, own: RulesByWeekday): MinuteRanges {
  const mine = ruleRanges(own[day.weekday]!, day.isoDate);
  if (mine.length === 0) return day.clinicOpen;
  return intersect(normalise([...day.clinicRules, ...mine]), day.opening);
}

/** The local days from the one holding `lo` to the one holding `hi`, with their opening hours and clock. */
export function buildDays(
  lo: number,
  hi: number,
  zone: string,
  hours: OpeningHours,
  rules: readonly ScheduleRule[],
): Day[] {
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
