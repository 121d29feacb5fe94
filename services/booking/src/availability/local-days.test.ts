import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { buildDays } from './local-days.ts';

const BERLIN = 'Europe/Berlin';
const at = (local: string) => DateTime.fromISO(local, { zone: BERLIN }).toMillis();
const iso = (ms: number) => new Date(ms).toISOString();

describe('local days', () => {
  // Saturday to Monday around the spring change (Sunday 28 March 2027: 02:00 CET jumps to 03:00 CEST).
  const days = buildDays(
    at('2027-03-27T12:00'),
    at('2027-03-29T12:00'),
    BERLIN,
    {
      weekly: [{ weekday: 7, ranges: [{ start: '10:00', end: '12:00' }] }],
      closures: [{ date: '2027-03-29', reason: 'Half day', ranges: [{ start: '08:00', end: '09:00' }] }],
    },
    [{ weekday: 7, start: '00:00', end: '24:00' }],
  );

  it('walks the local dates holding the range, with their weekdays', () => {
    expect(days.map((d) => [d.isoDate, d.weekday])).toEqual([
      ['2027-03-27', 6],
      ['2027-03-28', 7],
      ['2027-03-29', 1],
    ]);
  });

  it('opens a day by its weekly hours within the clinic-wide rules, or by its dated exception', () => {
    expect(days[0]!.opening).toEqual([]);
    expect(days[1]!.clinicOpen).toEqual([600, 720]);
    expect(days[2]!.opening).toEqual([480, 540]);
    expect(days[2]!.clinicOpen).toEqual([]); // no clinic-wide rule on Mondays
  });

  it('turns minutes of a DST-change day into instants, moving the missing hour forward', () => {
    const sunday = days[1]!;
    expect(iso(sunday.toEpoch(60))).toBe('2027-03-28T00:00:00.000Z'); // 01:00 CET
    expect(iso(sunday.toEpoch(150))).toBe('2027-03-28T01:30:00.000Z'); // 02:30 does not exist: 03:30 CEST
    expect(iso(sunday.toEpoch(1440))).toBe('2027-03-28T22:00:00.000Z'); // the next midnight, CEST
    expect(iso(days[2]!.toEpoch(480))).toBe('2027-03-29T06:00:00.000Z'); // an ordinary day: plain addition
  });
});
