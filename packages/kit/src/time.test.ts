import { describe, expect, it } from 'vitest';
import { isValidTimeZone, localEndTimeString, localTimeString, parseLocalTime, timeZoneString } from './time.ts';

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
