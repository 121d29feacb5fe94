import { describe, expect, it } from 'vitest';
import { intersect, mergeIntervals, normalise, localMinutes } from './ranges.ts';

describe('minute-of-day ranges', () => {
  it('reads HH:MM as minutes since midnight, 24:00 as the end of the day, and refuses anything else', () => {
    expect([localMinutes('00:00'), localMinutes('09:30'), localMinutes('24:00')]).toEqual([0, 570, 1440]);
    for (const bad of ['24:01', '09:60', '9', 'x9:00', '25:00'])
      expect(() => localMinutes(bad), bad).toThrow(RangeError);
  });

  it('sorts and merges touching and overlapping ranges, dropping empty ones', () => {
    expect(normalise([480, 600, 700, 800, 600, 720, 900, 900])).toEqual([480, 800]);
    expect(normalise([780, 1020, 480, 720])).toEqual([480, 720, 780, 1020]);
    expect(normalise([])).toEqual([]);
  });

  it('intersects two sets of ranges', () => {
    expect(intersect([480, 720, 780, 1020], [540, 840])).toEqual([540, 720, 780, 840]);
    expect(intersect([480, 720], [720, 900])).toEqual([]);
    expect(intersect([], [0, 1440])).toEqual([]);
  });
});

describe('busy intervals', () => {
  it('merges epoch-ms pairs into sorted parallel starts and ends', () => {
    expect(mergeIntervals([40, 50, 10, 20, 15, 30, 60, 60, 50, 55])).toEqual({ starts: [10, 40], ends: [30, 55] });
  });
});
