/**
 * Availability engine benchmark: one month of slots for a busy clinic (20 staff, 50 services,
 * 2,000 existing bookings, some blocks), computed per service as the availability endpoint does.
 * Target: well under 50 ms per computation. Data comes from a seeded generator so runs compare.
 */
import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import {
  checkSlot,
  computeAvailability,
  type AvailabilityInput,
  type BlockedTime,
  type BusyBooking,
  type ServiceTiming,
} from '../services/booking/src/availability/availability.engine.ts';
import type { OpeningHours, ScheduleRule } from '../services/booking/src/availability/local-days.ts';
import { instantFormatter } from '../services/booking/src/shared/time.ts';

const STAFF_COUNT = 20;
const SERVICE_COUNT = 50;
const BOOKING_COUNT = 2_000;
const STAFF_BLOCK_COUNT = 40;
const WARMUP_ROUNDS = 5;
const MEASURED_ROUNDS = 20;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Small deterministic PRNG (mulberry32) so every run sees the same clinic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Clinic {
  timeZone: string;
  from: number;
  to: number;
  now: number;
  openingHours: OpeningHours;
  rules: ScheduleRule[];
  blocks: BlockedTime[];
  bookings: BusyBooking[];
  services: ServiceTiming[];
}

const WORKDAYS = [1, 2, 3, 4, 5, 6];
const RANGES = [
  { start: '08:00', end: '12:00' },
  { start: '13:00', end: '17:00' },
];

function buildClinic(timeZone: string, firstDay: string): Clinic {
  const random = prng(20_270_503);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const staff = Array.from({ length: STAFF_COUNT }, (_, i) => `staff-${String(i + 1).padStart(2, '0')}`);
  const start = DateTime.fromISO(firstDay, { zone: timeZone });
  const from = start.toMillis();
  const to = start.plus({ days: 31 }).toMillis();

  const openingHours: OpeningHours = { weekly: WORKDAYS.map((weekday) => ({ weekday, ranges: RANGES })) };
  // One rule set per staff member (not clinic-wide) so the engine works through 240 rules.
  const rules: ScheduleRule[] = staff.flatMap((staffId) =>
    WORKDAYS.flatMap((weekday) => RANGES.map((r) => ({ staffId, weekday, start: r.start, end: r.end }))),
  );

  const durations = [15, 20, 30, 45, 60, 90, 120];
  const buffers = [0, 5, 10, 15];
  const services: ServiceTiming[] = Array.from({ length: SERVICE_COUNT }, (_, i) => ({
    durationMinutes: durations[i % durations.length]!,
    bufferMinutes: buffers[i % buffers.length]!,
    // Every fifth service is open to all staff; the others to about two thirds of them.
    qualifiedStaffIds: i % 5 === 0 ? staff : staff.filter((_, s) => (s + i) % 3 !== 0),
  }));

  // Working days of the month as local dates, with their open ranges in epoch ms.
  const openRanges: Array<[number, number]> = [];
  for (let d = 0; d < 31; d++) {
    const day = start.plus({ days: d });
    if (!WORKDAYS.includes(day.weekday)) continue;
    for (const r of RANGES) {
      const [sh, sm] = r.start.split(':').map(Number) as [number, number];
      const [eh, em] = r.end.split(':').map(Number) as [number, number];
      openRanges.push([day.set({ hour: sh, minute: sm }).toMillis(), day.set({ hour: eh, minute: em }).toMillis()]);
    }
  }

  // Non-overlapping bookings per staff member, on the 15-minute grid, as the database would hold them.
  const taken = new Map<string, Array<[number, number]>>(staff.map((s) => [s, []]));
  const bookings: BusyBooking[] = [];
  for (let attempts = 0; bookings.length < BOOKING_COUNT && attempts < BOOKING_COUNT * 50; attempts++) {
    const staffId = pick(staff);
    const service = pick(services);
    const [a, b] = pick(openRanges);
    const length = (service.durationMinutes + (service.bufferMinutes ?? 0)) * MINUTE_MS;
    const slotCount = Math.floor((b - a - length) / (15 * MINUTE_MS));
    if (slotCount < 0) continue;
    const s = a + Math.floor(random() * (slotCount + 1)) * 15 * MINUTE_MS;
    const e = s + length;
    const list = taken.get(staffId)!;
    if (list.some(([x, y]) => x < e && s < y)) continue;
    list.push([s, e]);
    bookings.push({ staffId, start: new Date(s), end: new Date(e) });
  }

  const blocks: BlockedTime[] = [];
  for (let i = 0; i < STAFF_BLOCK_COUNT; i++) {
    const [a] = pick(openRanges);
    const s = a + Math.floor(random() * 8) * 30 * MINUTE_MS;
    blocks.push({
      staffId: pick(staff),
      start: new Date(s),
      end: new Date(s + (1 + Math.floor(random() * 3)) * 60 * MINUTE_MS),
    });
  }
  // Two clinic-wide blocks: a staff meeting and a half-day closure.
  const [meeting] = openRanges[10]!;
  const [halfDay] = openRanges[30]!;
  blocks.push({ staffId: null, start: new Date(meeting), end: new Date(meeting + 60 * MINUTE_MS) });
  blocks.push({ staffId: null, start: new Date(halfDay), end: new Date(halfDay + 4 * 60 * MINUTE_MS) });

  return { timeZone, from, to, now: from - DAY_MS, openingHours, rules, blocks, bookings, services };
}

function inputFor(clinic: Clinic, service: ServiceTiming): AvailabilityInput {
  return {
    timeZone: clinic.timeZone,
    from: clinic.from,
    to: clinic.to,
    now: clinic.now,
    policy: { minNoticeMinutes: 60, maxAdvanceDays: 90, slotStepMinutes: 15 },
    service,
    openingHours: clinic.openingHours,
    rules: clinic.rules,
    blocks: clinic.blocks,
    bookings: clinic.bookings,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summarise(label: string, samples: number[], extra: string): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const fmt = (ms: number) => ms.toFixed(2).padStart(7);
  console.log(
    `  ${label.padEnd(38)} n=${String(samples.length).padStart(4)}  median ${fmt(percentile(sorted, 50))} ms  p95 ` +
      `${fmt(percentile(sorted, 95))} ms  max ${fmt(sorted.at(-1)!)} ms  ${extra}`,
  );
}

function benchMonth(label: string, clinic: Clinic): void {
  const inputs = clinic.services.map((s) => inputFor(clinic, s));
  for (let r = 0; r < WARMUP_ROUNDS; r++) for (const input of inputs) computeAvailability(input);

  const samples: number[] = [];
  const slotCounts: number[] = [];
  let pairs = 0;
  for (let r = 0; r < MEASURED_ROUNDS; r++) {
    for (const input of inputs) {
      const t0 = performance.now();
      const slots = computeAvailability(input);
      samples.push(performance.now() - t0);
      if (r === 0) {
        slotCounts.push(slots.length);
        for (const s of slots) pairs += s.staffIds.length;
      }
    }
  }
  const sortedCounts = [...slotCounts].sort((a, b) => a - b);
  const total = slotCounts.reduce((a, b) => a + b, 0);
  summarise(
    label,
    samples,
    `slots/service min ${sortedCounts[0]} median ${percentile(sortedCounts, 50)} max ${sortedCounts.at(-1)}; all ` +
      `${SERVICE_COUNT} services ${total} slots, ${pairs} slot×staff`,
  );
}

function benchCheck(clinic: Clinic): void {
  const service = clinic.services[4]!; // 60 min + 0 buffer
  const { from: _from, to: _to, ...rest } = inputFor(clinic, service);
  const starts = Array.from(
    { length: 200 },
    (_, i) => clinic.from + DAY_MS + 8 * 3_600_000 + (i % 16) * 15 * MINUTE_MS + Math.floor(i / 16) * DAY_MS,
  );
  for (const start of starts.slice(0, 20)) checkSlot({ ...rest, start });
  const samples: number[] = [];
  let bookable = 0;
  for (const start of starts) {
    const t0 = performance.now();
    if (checkSlot({ ...rest, start }).bookable) bookable++;
    samples.push(performance.now() - t0);
  }
  summarise('checkSlot (one start, 2,000 bookings)', samples, `${bookable}/${starts.length} bookable`);
}

/**
 * The endpoint also writes every slot as ISO with the clinic's offset. Measured with the service's
 * memoised formatter and, for comparison, with a luxon call per instant (what the formatter avoids).
 */
function benchResponse(label: string, clinic: Clinic): void {
  const inputs = clinic.services.map((s) => inputFor(clinic, s));
  const withFormatter = (input: AvailabilityInput) => {
    const fmt = instantFormatter(clinic.timeZone);
    return computeAvailability(input).map((s) => ({ start: fmt(s.start), end: fmt(s.end), staffIds: s.staffIds }));
  };
  const withLuxon = (input: AvailabilityInput) =>
    computeAvailability(input).map((s) => ({
      start: DateTime.fromMillis(s.start, { zone: clinic.timeZone }).toISO({ suppressMilliseconds: true }),
      end: DateTime.fromMillis(s.end, { zone: clinic.timeZone }).toISO({ suppressMilliseconds: true }),
      staffIds: s.staffIds,
    }));
  for (const [name, fn] of [
    ['memoised formatter', withFormatter],
    ['luxon per slot', withLuxon],
  ] as const) {
    for (let r = 0; r < WARMUP_ROUNDS; r++) for (const input of inputs) fn(input);
    const samples: number[] = [];
    for (let r = 0; r < MEASURED_ROUNDS / 4; r++) {
      for (const input of inputs) {
        const t0 = performance.now();
        fn(input);
        samples.push(performance.now() - t0);
      }
    }
    summarise(`${label} + ISO slots (${name})`, samples, '');
  }
}

/** Prints per-computation timings for a month of availability. */
export async function run(): Promise<void> {
  const jakarta = buildClinic('Asia/Jakarta', '2027-05-03T00:00');
  // Berlin month holding the autumn change (31 Oct 2027), so the DST-day path is measured too.
  const berlin = buildClinic('Europe/Berlin', '2027-10-11T00:00');
  console.log(
    `availability: ${STAFF_COUNT} staff, ${SERVICE_COUNT} services, ${jakarta.bookings.length} bookings, ` +
      `${jakarta.blocks.length} blocks, ${jakarta.rules.length} rules; 31-day window; ${WARMUP_ROUNDS} warm-up + ` +
      `${MEASURED_ROUNDS} measured rounds over all services`,
  );
  benchMonth('month, Asia/Jakarta', jakarta);
  benchMonth('month across DST, Europe/Berlin', berlin);
  benchCheck(jakarta);
  benchResponse('month, Europe/Berlin', berlin);
}
