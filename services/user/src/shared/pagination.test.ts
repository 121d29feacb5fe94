import { describe, expect, it } from 'vitest';
import { isCursorDate, isCursorId, isCursorInstant } from './pagination.ts';

// Cursor values reach SQL comparisons; each of these once passed the check and made a 500.
describe('cursor value checks', () => {
  it('accepts only real UUIDs as ids', () => {
    expect(isCursorId('0190f5a4-5c3e-7000-8000-000000000001')).toBe(true);
    expect(isCursorId('-'.repeat(36))).toBe(false);
    expect(isCursorId('0190f5a4-5c3e-7000-8000-00000000000g')).toBe(false);
    expect(isCursorId(12)).toBe(false);
  });
  it('accepts only instants PostgreSQL can hold', () => {
    expect(isCursorInstant('2027-05-03T02:00:00.000Z')).toBe(true);
    expect(isCursorInstant('x')).toBe(false);
    expect(isCursorInstant('-271821-04-20T00:00:00.000Z')).toBe(false);
    expect(isCursorInstant('+275760-09-13T00:00:00.000Z')).toBe(false);
  });
  it('accepts only real calendar dates', () => {
    expect(isCursorDate('2024-02-29')).toBe(true);
    expect(isCursorDate('2026-02-30')).toBe(false);
    expect(isCursorDate('0000-01-01')).toBe(false);
    expect(isCursorDate('2026-13-01')).toBe(false);
  });
});
