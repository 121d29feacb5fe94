import { describe, expect, it } from 'vitest';
import { birthDateFromEstimatedAge, deriveAge } from './age.ts';

describe('deriveAge', () => {
  it('counts completed years and months', () => {
    expect(deriveAge('2020-05-17', '2025-05-16')).toEqual({ ageYears: 4, ageMonths: 59 });
    expect(deriveAge('2020-05-17', '2025-05-17')).toEqual({ ageYears: 5, ageMonths: 60 });
    expect(deriveAge('2025-01-10', '2025-03-09')).toEqual({ ageYears: 0, ageMonths: 1 });
  });

  it('a pet born today is 0', () => {
    expect(deriveAge('2025-03-09', '2025-03-09')).toEqual({ ageYears: 0, ageMonths: 0 });
  });

  it('a 29 February birthday comes round on 28 February in other years', () => {
    expect(deriveAge('2020-02-29', '2021-02-27')).toEqual({ ageYears: 0, ageMonths: 11 });
    expect(deriveAge('2020-02-29', '2021-02-28')).toEqual({ ageYears: 1, ageMonths: 12 });
    expect(deriveAge('2020-02-29', '2024-02-29')).toEqual({ ageYears: 4, ageMonths: 48 });
  });

  it('is null without a birth date', () => {
    expect(deriveAge(null, '2025-03-09')).toEqual({ ageYears: null, ageMonths: null });
  });
});

describe('birthDateFromEstimatedAge', () => {
  it('counts whole months back from today', () => {
    expect(birthDateFromEstimatedAge(3, '2025-03-09')).toBe('2022-03-09');
    expect(birthDateFromEstimatedAge(0.5, '2025-03-09')).toBe('2024-09-09');
    expect(birthDateFromEstimatedAge(0, '2025-03-09')).toBe('2025-03-09');
  });

  it('round-trips with deriveAge', () => {
    const born = birthDateFromEstimatedAge(7, '2025-08-31');
    expect(deriveAge(born, '2025-08-31').ageYears).toBe(7);
  });
});
