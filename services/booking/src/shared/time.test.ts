import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { formatInstant, instantFormatter, localDateOf, localDayBounds, parseWindow } from './time.ts';

const luxonIso = (ms: number, zone: string) =>
  DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true, includeOffset: true })!.replace(/Z$/, '+00:00');

describe('instantFormatter', () => {
  it('writes instants with the clinic’s offset', () => {
    expect(formatInstant(Date.parse('2027-05-03T02:00:00Z'), 'Asia/Jakarta')).toBe('2027-05-03T09:00:00+07:00');
    expect(formatInstant(Date.parse('2027-05-03T02:00:00Z'), 'UTC')).toBe('2027-05-03T02:00:00+00:00');
    expect(formatInstant(Date.parse('2027-05-03T02:00:00Z'), 'America/St_Johns')).toBe('2027-05-02T23:30:00-02:30');
  });

  it('agrees with luxon minute by minute across both Berlin DST changes of 2027', () => {
    const fmt = instantFormatter('Europe/Berlin');
    for (const day of ['2027-03-28', '2027-10-31']) {
      const start = Date.parse(`${day}T00:00:00Z`) - 3_600_000;
      for (let ms = start; ms < start + 4 * 3_600_000; ms += 60_000)
        expect(fmt(ms)).toBe(luxonIso(ms, 'Europe/Berlin'));
    }
  });

  it('agrees with luxon in a zone with a 30-minute DST shift (Lord Howe)', () => {
    const fmt = instantFormatter('Australia/Lord_Howe');
    const start = Date.parse('2027-04-03T14:00:00Z');
    for (let ms = start; ms < start + 2 * 3_600_000; ms += 60_000)
      expect(fmt(ms)).toBe(luxonIso(ms, 'Australia/Lord_Howe'));
  });
});

describe('parseWindow', () => {
  it('reads dates as whole clinic-local days, to inclusive', () => {
    const w = parseWindow('2027-05-03', '2027-05-04', 'Asia/Jakarta');
    expect(new Date(w.from).toISOString()).toBe('2027-05-02T17:00:00.000Z');
    expect(new Date(w.to).toISOString()).toBe('2027-05-04T17:00:00.000Z');
  });

  it('keeps a local day 23 hours long on the spring DST change', () => {
    const w = parseWindow('2027-03-28', '2027-03-28', 'Europe/Berlin');
    expect(w.to - w.from).toBe(23 * 3_600_000);
  });

  it('takes instants as given, to exclusive', () => {
    const w = parseWindow('2027-05-03T09:00:00+07:00', '2027-05-03T10:00:00Z', 'Asia/Jakarta');
    expect(w.from).toBe(Date.parse('2027-05-03T02:00:00Z'));
    expect(w.to).toBe(Date.parse('2027-05-03T10:00:00Z'));
  });

  it('refuses an empty or reversed window', () => {
    expect(() => parseWindow('2027-05-04', '2027-05-03', 'Asia/Jakarta')).toThrow(
      expect.objectContaining({ status: 400, code: 'invalid_range' }),
    );
    expect(() => parseWindow('2027-05-03T09:00:00Z', '2027-05-03T09:00:00Z', 'Asia/Jakarta')).toThrow(
      expect.objectContaining({ code: 'invalid_range' }),
    );
  });
});

describe('local days', () => {
  it('finds the clinic-local date and day of an instant', () => {
    const ms = Date.parse('2027-05-03T18:30:00Z'); // 01:30 on the 4th in Jakarta
    expect(localDateOf(ms, 'Asia/Jakarta')).toBe('2027-05-04');
    const day = localDayBounds(ms, 'Asia/Jakarta');
    expect(new Date(day.start).toISOString()).toBe('2027-05-03T17:00:00.000Z');
    expect(day.end - day.start).toBe(86_400_000);
  });
});
