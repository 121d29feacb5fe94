import { describe, expect, it } from 'vitest';
import {
  calendarDateString,
  isFutureDate,
  isValidTimeZone,
  localEndTimeString,
  localTimeString,
  parseLocalTime,
  pastDateString,
  timeZoneString,
  todayIn,
} from './time.ts';

describe('time zones', () => {
  it('knows IANA zone names and nothing else', () => {
    expect(isValidTimeZone('Asia/Jakarta')).toBe(true);
    expect(isValidTimeZone('Asia/Jakarta')).toBe(true); // the memoised answer
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });

  it('refuses an unknown or absurdly long zone in a body with one message', () => {
    expect(timeZoneString().parse(' Asia/Makassar ')).toBe('Asia/Makassar');
    for (const bad of ['Mars/Olympus', 'x'.repeat(65)])
      expect(timeZoneString().safeParse(bad).error?.issues[0]?.message).toBe(
        'must be an IANA time zone such as Asia/Jakarta',
      );
  });
});

describe('local times', () => {
  it('reads HH:MM as minutes since midnight, 24:00 as the end of the day', () => {
    expect(parseLocalTime('00:00')).toBe(0);
    expect(parseLocalTime('09:30')).toBe(570);
    expect(parseLocalTime('23:59')).toBe(1_439);
    expect(parseLocalTime('24:00')).toBe(1_440);
    for (const bad of ['24:01', '9:00', '12:60', '25:00', '12:00:00', '']) expect(parseLocalTime(bad)).toBeUndefined();
  });

  it('takes 24:00 as an end time only', () => {
    expect(localTimeString().safeParse('24:00').success).toBe(false);
    expect(localEndTimeString().safeParse('24:00').success).toBe(true);
    expect(localTimeString().safeParse('7:00').error?.issues[0]?.message).toBe('must be a time HH:MM (00:00-23:59)');
  });
});

describe('calendar dates', () => {
  // 2026-03-01 10:30 UTC: already 2 March in Kiritimati (UTC+14), still 1 March in Jakarta and Honolulu.
  const now = new Date('2026-03-01T10:30:00Z');

  it('gives today in a zone', () => {
    expect(todayIn('Asia/Jakarta', now)).toBe('2026-03-01');
    expect(todayIn('Pacific/Kiritimati', now)).toBe('2026-03-02');
    expect(todayIn('Pacific/Honolulu', new Date('2026-03-01T05:00:00Z'))).toBe('2026-02-28');
  });

  it('calls a date future only when it is after today everywhere on Earth', () => {
    expect(isFutureDate('2026-03-02', now)).toBe(false);
    expect(isFutureDate('2026-03-03', now)).toBe(true);
  });

  it('takes real calendar dates only, and past ones from 1900 on', () => {
    expect(calendarDateString().safeParse('2028-02-29').success).toBe(true);
    for (const bad of ['2025-02-30', '2025-13-01', '1.1.2025', '2025-1-1'])
      expect(calendarDateString().safeParse(bad).success, bad).toBe(false);
    expect(pastDateString().safeParse('1900-01-01').success).toBe(true);
    expect(pastDateString().safeParse('1899-12-31').error?.issues[0]?.message).toBe('must not be before 1900');
    expect(pastDateString().safeParse('2999-01-01').error?.issues[0]?.message).toBe('must not be in the future');
  });
});
