import { describe, it, expect } from 'vitest';
import { DateTime } from 'luxon';
import {
  AvailabilityRangeTooLongError,
  checkSlot,
  computeAvailability,
  pickBalancedStaff,
  type AvailabilityInput,
  type BookingPolicy,
  type Slot,
} from './availability.engine.ts';
import type { OpeningHours, ScheduleRule } from './local-days.ts';

const JAKARTA = 'Asia/Jakarta';
const BERLIN = 'Europe/Berlin';

/** Epoch ms of a local wall-clock time ("2027-05-03T09:00") in a zone. */
function at(local: string, zone = JAKARTA): number {
  const dt = DateTime.fromISO(local, { zone });
  if (!dt.isValid) throw new Error(`bad test time ${local}`);
  return dt.toMillis();
}

/** A slot as a clinic would read it: local "yyyy-MM-dd HH:mm". */
function local(ms: number, zone = JAKARTA): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm');
}

function times(slots: Slot[], zone = JAKARTA): string[] {
  return slots.map((s) => local(s.start, zone).slice(11));
}

function weekly(weekdays: number[], ranges: Array<[string, string]>): OpeningHours {
  return { weekly: weekdays.map((weekday) => ({ weekday, ranges: ranges.map(([start, end]) => ({ start, end })) })) };
}

function rulesFor(weekdays: number[], ranges: Array<[string, string]>, staffId?: string): ScheduleRule[] {
  return weekdays.flatMap((weekday) =>
    ranges.map(([start, end]) => ({ weekday, start, end, ...(staffId ? { staffId } : {}) })),
  );
}

const MON_SAT = [1, 2, 3, 4, 5, 6];
const LUNCH: Array<[string, string]> = [
  ['08:00', '12:00'],
  ['13:00', '17:00'],
];

const POLICY: BookingPolicy = { minNoticeMinutes: 60, maxAdvanceDays: 90, slotStepMinutes: 15 };

// Monday 3 May 2027 in Jakarta (UTC+7, no DST); "now" is the Saturday before, so notice never interferes.
function base(overrides: Partial<AvailabilityInput> = {}): AvailabilityInput {
  return {
    timeZone: JAKARTA,
    from: at('2027-05-03T00:00'),
    to: at('2027-05-04T00:00'),
    now: at('2027-05-01T00:00'),
    policy: POLICY,
    service: { durationMinutes: 60, bufferMinutes: 0, qualifiedStaffIds: ['vet-a', 'vet-b'] },
    openingHours: weekly(MON_SAT, LUNCH),
    rules: rulesFor(MON_SAT, LUNCH),
    blocks: [],
    bookings: [],
    ...overrides,
  };
}

describe('computeAvailability', () => {
  it('offers slots in both ranges of a day with a lunch break, never across it', () => {
    const slots = computeAvailability(base());
    const starts = times(slots);
    expect(starts[0]).toBe('08:00');
    expect(starts).toContain('11:00');
    expect(starts).not.toContain('11:15'); // would run into lunch
    expect(starts).not.toContain('12:00');
    expect(starts).toContain('13:00');
    expect(starts.at(-1)).toBe('16:00');
    expect(slots).toHaveLength(26); // 13 starts per 4-hour range
    for (const s of slots) {
      expect(s.end - s.start).toBe(60 * 60_000);
      expect(s.staffIds).toEqual(['vet-a', 'vet-b']);
    }
    // Sorted by start.
    expect(slots.map((s) => s.start)).toEqual([...slots.map((s) => s.start)].sort((a, b) => a - b));
  });

  it('removes a vet from slots overlapping their blocked hour, leaving the other vet', () => {
    const slots = computeAvailability(
      base({ blocks: [{ staffId: 'vet-a', start: at('2027-05-03T10:00'), end: at('2027-05-03T11:00') }] }),
    );
    const staffAt = (hhmm: string) => slots.find((s) => local(s.start).endsWith(hhmm))?.staffIds;
    expect(staffAt('09:00')).toEqual(['vet-a', 'vet-b']); // ends exactly when the block starts
    expect(staffAt('09:15')).toEqual(['vet-b']);
    expect(staffAt('10:45')).toEqual(['vet-b']);
    expect(staffAt('11:00')).toEqual(['vet-a', 'vet-b']); // starts exactly when the block ends
  });

  it('removes a staff member from slots overlapping an existing booking (whose end includes its buffer)', () => {
    const slots = computeAvailability(
      base({
        bookings: [
          { staffId: 'vet-b', start: new Date(at('2027-05-03T14:00')), end: new Date(at('2027-05-03T15:15')) },
        ],
      }),
    );
    const staffAt = (hhmm: string) => slots.find((s) => local(s.start).endsWith(hhmm))?.staffIds;
    expect(staffAt('13:00')).toEqual(['vet-a', 'vet-b']);
    expect(staffAt('13:15')).toEqual(['vet-a']);
    expect(staffAt('15:00')).toEqual(['vet-a']);
    expect(staffAt('15:15')).toEqual(['vet-a', 'vet-b']);
  });

  it('offers only staff qualified for the service, and honours the staff filter', () => {
    const input = base({ service: { durationMinutes: 60, qualifiedStaffIds: ['vet-b', 'groomer-c', 'vet-b'] } });
    const all = computeAvailability(input);
    expect(all[0]?.staffIds).toEqual(['groomer-c', 'vet-b']);
    expect(all.every((s) => !s.staffIds.includes('vet-a'))).toBe(true);

    expect(computeAvailability({ ...input, staffId: 'vet-a' })).toEqual([]); // not qualified
    const onlyB = computeAvailability({ ...input, staffId: 'vet-b' });
    expect(onlyB).toHaveLength(26);
    expect(onlyB.every((s) => s.staffIds.length === 1 && s.staffIds[0] === 'vet-b')).toBe(true);
  });

  it('gives no slots to a qualified staff member without any rule', () => {
    const slots = computeAvailability(
      base({
        rules: rulesFor(MON_SAT, LUNCH, 'vet-a'),
        service: { durationMinutes: 60, qualifiedStaffIds: ['vet-a', 'vet-b'] },
      }),
    );
    expect(slots.every((s) => s.staffIds.join() === 'vet-a')).toBe(true);
  });

  it('respects the minimum notice and keeps the grid', () => {
    const slots = computeAvailability(
      base({ now: at('2027-05-03T08:10'), policy: { ...POLICY, minNoticeMinutes: 60 } }),
    );
    expect(times(slots)[0]).toBe('09:15'); // 09:10 is the earliest start; the grid from 08:00 gives 09:15
  });

  // Issue 12: the engine had a default policy of its own beside the service's; the caller's policy is now required.
  it('has no default policy: a policy missing a field is refused, not completed', () => {
    const { slotStepMinutes: _omit, ...partial } = POLICY;
    const input = base({ now: at('2027-05-03T08:00'), policy: partial as BookingPolicy });
    expect(() => computeAvailability(input)).toThrow(new RangeError('slotStepMinutes must be a positive integer'));
    const { from: _f, to: _t, ...rest } = input;
    expect(() => checkSlot({ ...rest, start: at('2027-05-03T09:00') })).toThrow(RangeError);
  });

  it('offers nothing beyond the maximum advance horizon', () => {
    const slots = computeAvailability(
      base({
        now: at('2027-05-03T10:00'),
        to: at('2027-05-07T00:00'),
        policy: { ...POLICY, minNoticeMinutes: 0, maxAdvanceDays: 1 },
      }),
    );
    expect(local(slots[0]!.start)).toBe('2027-05-03 10:00');
    expect(local(slots.at(-1)!.start)).toBe('2027-05-04 10:00'); // exactly now + 1 day is still allowed
  });

  it('applies rules only between validFrom and validUntil (inclusive)', () => {
    const rules = rulesFor(MON_SAT, [['09:00', '10:00']], 'vet-a').map((r) => ({
      ...r,
      validFrom: '2027-05-05',
      validUntil: '2027-05-06',
    }));
    const slots = computeAvailability(base({ rules, to: at('2027-05-10T00:00') }));
    expect([...new Set(slots.map((s) => local(s.start).slice(0, 10)))]).toEqual(['2027-05-05', '2027-05-06']);
  });

  it('unions a staff member’s own rules with the clinic-wide ones', () => {
    const rules = [...rulesFor([1], [['08:00', '10:00']]), ...rulesFor([1], [['09:00', '12:00']], 'vet-b')];
    const slots = computeAvailability(base({ rules }));
    const staffAt = (hhmm: string) => slots.find((s) => local(s.start).endsWith(hhmm))?.staffIds;
    expect(staffAt('08:00')).toEqual(['vet-a', 'vet-b']);
    expect(staffAt('09:30')).toEqual(['vet-b']); // vet-a's day ends at 10:00
    expect(staffAt('11:00')).toEqual(['vet-b']);
  });

  it('offers nothing on a closed day and only the special hours on a day with special hours', () => {
    const openingHours: OpeningHours = {
      ...weekly(MON_SAT, LUNCH),
      closures: [
        { date: '2027-05-04', reason: 'Public holiday' },
        { date: '2027-05-05', reason: 'Half day', ranges: [{ start: '10:00', end: '12:00' }] },
      ],
    };
    const slots = computeAvailability(base({ openingHours, to: at('2027-05-06T00:00') }));
    const byDay = (d: string) => slots.filter((s) => local(s.start).startsWith(d)).map((s) => local(s.start).slice(11));
    expect(byDay('2027-05-03')).toHaveLength(26);
    expect(byDay('2027-05-04')).toEqual([]);
    expect(byDay('2027-05-05')).toEqual(['10:00', '10:15', '10:30', '10:45', '11:00']);
  });

  it('bounds staff rules by the opening hours', () => {
    const slots = computeAvailability(base({ rules: rulesFor([1], [['07:00', '19:00']]) }));
    expect(times(slots)[0]).toBe('08:00');
    expect(times(slots).at(-1)).toBe('16:00');
  });

  it('offers nothing when the clinic has no opening hours', () => {
    expect(computeAvailability(base({ openingHours: { weekly: [] } }))).toEqual([]);
  });

  it('holds the buffer after the slot without showing it', () => {
    const input = base({
      service: { durationMinutes: 30, bufferMinutes: 15, qualifiedStaffIds: ['vet-a'] },
      rules: rulesFor([1], [['08:00', '12:00']]),
    });
    const slots = computeAvailability(input);
    expect(times(slots).at(-1)).toBe('11:15'); // 11:15 + 30 + 15 = 12:00
    expect(slots[0]!.end - slots[0]!.start).toBe(30 * 60_000);

    const withBooking = computeAvailability({
      ...input,
      bookings: [{ staffId: 'vet-a', start: at('2027-05-03T10:00'), end: at('2027-05-03T10:45') }],
    });
    expect(times(withBooking)).toContain('09:15'); // held until exactly 10:00
    expect(times(withBooking)).not.toContain('09:30'); // its buffer would run into the booking
    expect(times(withBooking)).toContain('10:45');
  });

  it('anchors the grid at the start of each open range, unmoved by bookings', () => {
    const slots = computeAvailability(
      base({
        policy: { ...POLICY, slotStepMinutes: 30 },
        service: { durationMinutes: 20, qualifiedStaffIds: ['vet-a'] },
        rules: rulesFor([1], [['08:10', '10:00']]),
        bookings: [{ staffId: 'vet-a', start: at('2027-05-03T09:00'), end: at('2027-05-03T09:20') }],
      }),
    );
    // 09:10 overlaps the booking; the next start stays on the grid (09:40), not at the booking's end (09:20).
    expect(times(slots)).toEqual(['08:10', '08:40', '09:40']);
  });

  it('removes every staff member from slots overlapping a clinic-wide block', () => {
    const slots = computeAvailability(
      base({ blocks: [{ staffId: null, start: at('2027-05-03T10:00'), end: at('2027-05-03T11:00') }] }),
    );
    const starts = times(slots);
    expect(starts).toContain('09:00');
    for (const t of ['09:15', '09:30', '10:00', '10:45']) expect(starts).not.toContain(t);
    expect(starts).toContain('11:00');
  });

  it('returns nothing when from is not before to', () => {
    expect(computeAvailability(base({ from: at('2027-05-03T12:00'), to: at('2027-05-03T12:00') }))).toEqual([]);
  });

  describe('DST in Europe/Berlin', () => {
    const berlin = (overrides: Partial<AvailabilityInput>): AvailabilityInput =>
      base({
        timeZone: BERLIN,
        openingHours: weekly([1, 2, 3, 4, 5, 6, 7], [['00:00', '24:00']]),
        rules: rulesFor(MON_SAT, [['09:00', '12:00']]),
        service: { durationMinutes: 60, qualifiedStaffIds: ['vet-a'] },
        ...overrides,
      });
    const firstOfDay = (slots: Slot[], date: string) => slots.find((s) => local(s.start, BERLIN).startsWith(date));

    it('keeps slots at 09:00 local across the spring change (last Sunday of March 2027)', () => {
      const slots = computeAvailability(
        berlin({
          from: at('2027-03-27T00:00', BERLIN),
          to: at('2027-03-30T00:00', BERLIN),
          now: at('2027-03-20T00:00', BERLIN),
        }),
      );
      const sat = firstOfDay(slots, '2027-03-27')!;
      const mon = firstOfDay(slots, '2027-03-29')!;
      expect(local(sat.start, BERLIN)).toBe('2027-03-27 09:00');
      expect(local(mon.start, BERLIN)).toBe('2027-03-29 09:00');
      expect(new Date(sat.start).toISOString()).toBe('2027-03-27T08:00:00.000Z'); // CET, UTC+1
      expect(new Date(mon.start).toISOString()).toBe('2027-03-29T07:00:00.000Z'); // CEST, UTC+2
      expect(mon.start - sat.start).toBe(2 * 86_400_000 - 3_600_000);
    });

    it('keeps slots at 09:00 local across the autumn change (last Sunday of October 2027)', () => {
      const slots = computeAvailability(
        berlin({
          from: at('2027-10-30T00:00', BERLIN),
          to: at('2027-11-02T00:00', BERLIN),
          now: at('2027-10-20T00:00', BERLIN),
        }),
      );
      const sat = firstOfDay(slots, '2027-10-30')!;
      const mon = firstOfDay(slots, '2027-11-01')!;
      expect(new Date(sat.start).toISOString()).toBe('2027-10-30T07:00:00.000Z'); // CEST
      expect(new Date(mon.start).toISOString()).toBe('2027-11-01T08:00:00.000Z'); // CET
      expect(mon.start - sat.start).toBe(2 * 86_400_000 + 3_600_000);
      expect(
        times(
          slots.filter((s) => local(s.start, BERLIN).startsWith('2027-11-01')),
          BERLIN,
        )[0],
      ).toBe('09:00');
    });

    it('steps in elapsed time through the missing hour on the change day itself', () => {
      const slots = computeAvailability(
        berlin({
          rules: rulesFor([7], [['00:00', '06:00']]),
          policy: { ...POLICY, slotStepMinutes: 60 },
          from: at('2027-03-28T00:00', BERLIN),
          to: at('2027-03-29T00:00', BERLIN),
          now: at('2027-03-20T00:00', BERLIN),
        }),
      );
      // 00:00–06:00 local lasts five real hours that day; 02:00–03:00 does not exist.
      expect(times(slots, BERLIN)).toEqual(['00:00', '01:00', '03:00', '04:00', '05:00']);
    });
  });

  describe('range limit', () => {
    it('throws a typed error for more than 31 days', () => {
      const run = () => computeAvailability(base({ from: at('2027-05-01T00:00'), to: at('2027-06-02T00:00') }));
      expect(run).toThrow(AvailabilityRangeTooLongError);
      try {
        run();
      } catch (err) {
        expect(err).toMatchObject({ status: 400, code: 'availability_range_too_long' });
      }
    });

    it(
      'accepts exactly 31 days, ' + 'including 31 local days across the autumn DST change (31 days + 1 hour elapsed)',
      () => {
        expect(() =>
          computeAvailability(base({ from: at('2027-05-01T00:00'), to: at('2027-06-01T00:00') })),
        ).not.toThrow();
        expect(() =>
          computeAvailability(
            base({ timeZone: BERLIN, from: at('2027-10-01T00:00', BERLIN), to: at('2027-11-01T00:00', BERLIN) }),
          ),
        ).not.toThrow();
      },
    );
  });
});

describe('checkSlot', () => {
  it('says which staff are free at a bookable start', () => {
    const input = {
      ...base(),
      bookings: [{ staffId: 'vet-a', start: at('2027-05-03T09:00'), end: at('2027-05-03T10:00') }],
    };
    const { from: _f, to: _t, ...rest } = input;
    expect(checkSlot({ ...rest, start: at('2027-05-03T09:30') })).toEqual({
      bookable: true,
      start: at('2027-05-03T09:30'),
      end: at('2027-05-03T10:30'),
      staffIds: ['vet-b'],
    });
    expect(checkSlot({ ...rest, start: at('2027-05-03T09:30'), staffId: 'vet-a' })).toMatchObject({
      bookable: false,
      reason: 'unavailable',
    });
    expect(checkSlot({ ...rest, start: at('2027-05-03T10:00'), staffId: 'vet-a' })).toMatchObject({
      bookable: true,
      staffIds: ['vet-a'],
    });
  });

  it('refuses starts off the grid, outside open ranges, too soon or too far', () => {
    const { from: _f, to: _t, ...rest } = base();
    expect(checkSlot({ ...rest, start: at('2027-05-03T09:05') }).reason).toBe('unavailable');
    expect(checkSlot({ ...rest, start: at('2027-05-03T11:30') }).reason).toBe('unavailable'); // runs into lunch
    expect(checkSlot({ ...rest, now: at('2027-05-03T09:00'), start: at('2027-05-03T09:45') }).reason).toBe('too_soon');
    expect(checkSlot({ ...rest, policy: { ...POLICY, maxAdvanceDays: 1 }, start: at('2027-05-03T09:00') }).reason).toBe(
      'too_far',
    );
  });
});

describe('pickBalancedStaff', () => {
  it('picks the staff member with the fewest bookings that day', () => {
    expect(pickBalancedStaff(['vet-a', 'vet-b', 'vet-c'], { 'vet-a': 3, 'vet-b': 1, 'vet-c': 2 })).toBe('vet-b');
  });

  it('breaks ties by id and counts a staff member without bookings as zero', () => {
    expect(pickBalancedStaff(['vet-c', 'vet-b', 'vet-a'], new Map([['vet-a', 1]]))).toBe('vet-b');
    expect(pickBalancedStaff(['vet-c', 'vet-b'], { 'vet-b': 2, 'vet-c': 2 })).toBe('vet-b');
  });

  it('returns undefined without candidates', () => {
    expect(pickBalancedStaff([], {})).toBeUndefined();
  });
});
