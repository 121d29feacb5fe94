import { describe, expect, it } from 'vitest';
import { isValidTimeZone } from '@petpro/kit';
import { isOpenAt, normaliseOpeningHours, validateOpeningHours, type OpeningHours } from './opening-hours.ts';

const week: OpeningHours = {
  weekly: [
    {
      weekday: 1,
      ranges: [
        { start: '08:00', end: '12:00' },
        { start: '13:00', end: '17:00' },
      ],
    },
    { weekday: 6, ranges: [{ start: '09:00', end: '24:00' }] },
  ],
  closures: [
    { date: '2026-12-25', reason: 'Natal' },
    { date: '2026-12-28', reason: 'Short day', ranges: [{ start: '10:00', end: '11:00' }] },
  ],
};

describe('validateOpeningHours', () => {
  it('accepts several ranges a day, touching ranges and 24:00 as an end', () => {
    expect(validateOpeningHours(week)).toEqual([]);
    expect(
      validateOpeningHours({
        weekly: [
          {
            weekday: 2,
            ranges: [
              { start: '08:00', end: '12:00' },
              { start: '12:00', end: '13:00' },
            ],
          },
        ],
        closures: [],
      }),
    ).toEqual([]);
  });

  it('refuses overlapping ranges, naming the range', () => {
    const errors = validateOpeningHours({
      weekly: [
        {
          weekday: 1,
          ranges: [
            { start: '08:00', end: '12:00' },
            { start: '11:30', end: '14:00' },
          ],
        },
      ],
      closures: [],
    });
    expect(errors).toEqual([expect.objectContaining({ field: 'weekly.0.ranges.1', code: 'overlapping_ranges' })]);
  });

  it('refuses a start that is not before its end', () => {
    expect(
      validateOpeningHours({ weekly: [{ weekday: 1, ranges: [{ start: '12:00', end: '12:00' }] }], closures: [] })[0],
    ).toMatchObject({ code: 'start_not_before_end' });
    expect(
      validateOpeningHours({ weekly: [{ weekday: 1, ranges: [{ start: '18:00', end: '08:00' }] }], closures: [] })[0],
    ).toMatchObject({ field: 'weekly.0.ranges.0' });
  });

  it('refuses malformed times, weekdays out of 1..7, repeated weekdays and dates, impossible dates', () => {
    const errors = validateOpeningHours({
      weekly: [
        { weekday: 0, ranges: [{ start: '8:00', end: '25:00' }] },
        { weekday: 3, ranges: [] },
        { weekday: 3, ranges: [] },
      ],
      closures: [
        { date: '2026-02-30', reason: 'x' },
        { date: '2026-03-01', reason: 'x' },
        { date: '2026-03-01', reason: 'y', ranges: [{ start: '24:00', end: '24:00' }] },
      ],
    });
    expect(errors.map((e) => e.code)).toEqual([
      'invalid_weekday',
      'invalid_time',
      'invalid_time',
      'duplicate_weekday',
      'invalid_date',
      'duplicate_date',
      'invalid_time',
    ]);
  });

  it('normalises order for storage', () => {
    const n = normaliseOpeningHours({
      weekly: [
        {
          weekday: 5,
          ranges: [
            { start: '13:00', end: '14:00' },
            { start: '08:00', end: '09:00' },
          ],
        },
        { weekday: 2, ranges: [] },
      ],
      closures: [
        { date: '2026-05-02', reason: 'b', ranges: [] },
        { date: '2026-05-01', reason: 'a' },
      ],
    });
    expect(n.weekly.map((w) => w.weekday)).toEqual([2, 5]);
    expect(n.weekly[1]!.ranges[0]!.start).toBe('08:00');
    expect(n.closures).toEqual([
      { date: '2026-05-01', reason: 'a' },
      { date: '2026-05-02', reason: 'b' },
    ]);
  });
});

describe('isOpenAt in the clinic zone', () => {
  // 2026-11-30 is a Monday.
  it("uses the clinic's local clock, not the server's or UTC", () => {
    // 02:30 UTC = 09:30 in Jakarta (UTC+7): open; 05:30 UTC = 12:30: lunch break.
    expect(isOpenAt(week, 'Asia/Jakarta', new Date('2026-11-30T02:30:00Z'))).toBe(true);
    expect(isOpenAt(week, 'Asia/Jakarta', new Date('2026-11-30T05:30:00Z'))).toBe(false);
    // The same instant is 11:30 in Jayapura (UTC+9): open; and 04:30 Monday in Makassar? no: 10:30 (UTC+8).
    expect(isOpenAt(week, 'Asia/Jayapura', new Date('2026-11-30T02:30:00Z'))).toBe(true);
    // 00:30 UTC Monday is 19:30 Sunday in New York: closed on Sundays.
    expect(isOpenAt(week, 'America/New_York', new Date('2026-11-30T00:30:00Z'))).toBe(false);
  });

  it('treats end as exclusive and 24:00 as midnight', () => {
    expect(isOpenAt(week, 'UTC', new Date('2026-11-30T12:00:00Z'))).toBe(false);
    expect(isOpenAt(week, 'UTC', new Date('2026-11-30T11:59:00Z'))).toBe(true);
    expect(isOpenAt(week, 'UTC', new Date('2026-12-05T23:59:00Z'))).toBe(true); // Saturday
  });

  it('applies closures (closed all day) and special hours on their date', () => {
    // 2026-12-25 is a Friday (no weekly hours anyway); 2026-12-28 is a Monday with special hours.
    expect(isOpenAt(week, 'UTC', new Date('2026-12-28T09:00:00Z'))).toBe(false);
    expect(isOpenAt(week, 'UTC', new Date('2026-12-28T10:30:00Z'))).toBe(true);
    const mondayClosed: OpeningHours = { ...week, closures: [{ date: '2026-11-30', reason: 'Libur' }] };
    expect(isOpenAt(mondayClosed, 'UTC', new Date('2026-11-30T09:00:00Z'))).toBe(false);
  });

  it('follows DST in zones that have it', () => {
    const hours: OpeningHours = { weekly: [{ weekday: 7, ranges: [{ start: '09:00', end: '10:00' }] }], closures: [] };
    // Europe/Berlin: 09:30 local is 07:30 UTC in summer (2026-03-29 is the switch day, a Sunday), 08:30 UTC in winter.
    expect(isOpenAt(hours, 'Europe/Berlin', new Date('2026-03-29T07:30:00Z'))).toBe(true);
    expect(isOpenAt(hours, 'Europe/Berlin', new Date('2026-03-22T08:30:00Z'))).toBe(true);
    expect(isOpenAt(hours, 'Europe/Berlin', new Date('2026-03-22T07:30:00Z'))).toBe(false);
  });

  it('knows IANA zones', () => {
    expect(isValidTimeZone('Asia/Jakarta')).toBe(true);
    expect(isValidTimeZone('Asia/Makassar')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});
