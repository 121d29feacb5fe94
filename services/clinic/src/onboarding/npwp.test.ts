import { describe, expect, it } from 'vitest';
import { formatNpwp, normaliseNpwp } from './npwp.ts';

describe('NPWP', () => {
  it('accepts 15 and 16 digits and the dotted 15-digit form', () => {
    expect(normaliseNpwp('012345678901000')).toBe('012345678901000');
    expect(normaliseNpwp('3171234567890123')).toBe('3171234567890123');
    expect(normaliseNpwp('01.234.567.8-901.000')).toBe('012345678901000');
    expect(normaliseNpwp(' 01.234.567.8-901.000 ')).toBe('012345678901000');
  });

  it('refuses other lengths, other layouts, letters and placeholders', () => {
    for (const bad of [
      '01234567890100',
      '01234567890100012',
      '01.234.567.8901.000',
      '01-234-567-8-901-000',
      '01.234.567.8-901.00',
      'AB.234.567.8-901.000',
      '000000000000000',
      '',
      '01 234 567 8 901 000',
    ]) {
      expect(normaliseNpwp(bad), bad).toBeUndefined();
    }
  });

  it('formats 15 digits back to the dotted layout', () => {
    expect(formatNpwp('012345678901000')).toBe('01.234.567.8-901.000');
    expect(formatNpwp('3171234567890123')).toBe('3171234567890123');
  });
});
