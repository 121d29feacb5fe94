import { describe, expect, it } from 'vitest';
import { recordProblems } from './record-rules.ts';

describe('recordProblems', () => {
  it('accepts a vaccination or medication with a later due date', () => {
    expect(recordProblems({ type: 'vaccination', date: '2025-01-10', nextDueDate: '2026-01-10' })).toEqual([]);
    expect(recordProblems({ type: 'medication', date: '2025-01-10', nextDueDate: '2025-01-10' })).toEqual([]);
  });

  it('refuses a due date on other types', () => {
    expect(recordProblems({ type: 'visit', date: '2025-01-10', nextDueDate: '2025-02-10' })).toEqual([
      expect.objectContaining({ field: 'nextDueDate', code: 'not_allowed' }),
    ]);
  });

  it('refuses a due date before the record date', () => {
    expect(recordProblems({ type: 'vaccination', date: '2025-01-10', nextDueDate: '2025-01-09' })).toEqual([
      expect.objectContaining({ field: 'nextDueDate', code: 'too_small' }),
    ]);
  });

  it('any type without a due date is fine', () => {
    expect(recordProblems({ type: 'surgery', date: '2025-01-10', nextDueDate: null })).toEqual([]);
  });
});
