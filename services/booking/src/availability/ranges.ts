/**
 * Sorted, disjoint [start, end) intervals as flat number arrays, the representation the availability
 * engine works in: minute-of-day ranges of one local day (opening hours, rules) and epoch-millisecond
 * intervals of busy time. Plain integer arithmetic; nothing here knows about zones or dates.
 */

import { MINUTES_PER_DAY, parseLocalTime } from '@petpro/kit';

export { MINUTES_PER_DAY };

/** Minute-of-day ranges as a flat list [start0, end0, start1, end1, ...], sorted and disjoint. */
export type MinuteRanges = readonly number[];

/** Busy intervals in epoch ms, sorted and merged, as parallel arrays (the engine's per-slot loop reads them). */
export interface Intervals {
  starts: number[];
  ends: number[];
}

export const EMPTY_RANGES: MinuteRanges = Object.freeze([]) as MinuteRanges;
export const EMPTY_INTERVALS: Intervals = { starts: [], ends: [] };

/** A local wall-clock range, `"HH:MM"` to `"HH:MM"` (end exclusive; `"24:00"` allowed as an end). */
export interface LocalTimeRange {
  start: string;
  end: string;
}

/**
 * Minutes since local midnight of a validated `HH:MM` (`24:00` is the end of the day); the kit parses,
 * this refuses what could only come from a bug (inputs are checked at the API edge).
 */
export function localMinutes(value: string): number {
  const minutes = parseLocalTime(value);
  if (minutes === undefined) throw new RangeError(`Invalid local time: ${value}`);
  return minutes;
}

/** The [start, end) minute pairs of wall-clock ranges, unsorted (normalise sorts and merges them). */
export function localRanges(ranges: readonly LocalTimeRange[]): number[] {
  const pairs: number[] = [];
  for (const r of ranges) pairs.push(localMinutes(r.start), localMinutes(r.end));
  return pairs;
}

/**
 * Sorts and merges [start, end) pairs; touching ranges merge because the staff member is continuously open across them.
 */
export function normalise(pairs: number[]): MinuteRanges {
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

/** The ranges covered by both `a` and `b`. */
export function intersect(a: MinuteRanges, b: MinuteRanges): MinuteRanges {
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

/** Sorts and merges [start, end) pairs into parallel start and end arrays; empty pairs are dropped. */
export function mergeIntervals(pairs: readonly number[]): Intervals {
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
