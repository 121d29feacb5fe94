import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { expandBlocks, type BlockRecord } from './schedules.model.ts';

const BERLIN = 'Europe/Berlin';
const at = (local: string, zone = BERLIN) => DateTime.fromISO(local, { zone }).toMillis();
const local = (ms: number, zone = BERLIN) => DateTime.fromMillis(ms, { zone }).toFormat('yyyy-MM-dd HH:mm');

function block(over: Partial<BlockRecord>): BlockRecord {
  return {
    id: 'b',
    clinicId: 'c',
    staffId: 'vet-a',
    start: new Date(at('2027-03-19T12:00')),
    end: new Date(at('2027-03-19T13:00')),
    reason: 'lunch meeting',
    recurrence: null,
    createdBy: 'u',
    createdAt: new Date(0),
    ...over,
  };
}

describe('expandBlocks', () => {
  it('keeps a one-off block only when it touches the window', () => {
    const b = block({});
    expect(expandBlocks([b], BERLIN, at('2027-03-19T00:00'), at('2027-03-20T00:00'))).toHaveLength(1);
    expect(expandBlocks([b], BERLIN, at('2027-03-19T13:00'), at('2027-03-20T00:00'))).toHaveLength(0);
    expect(expandBlocks([b], BERLIN, at('2027-03-18T00:00'), at('2027-03-19T12:00'))).toHaveLength(0);
  });

  it('repeats a weekly block at the same local time across the spring DST change', () => {
    const out = expandBlocks(
      [block({ recurrence: { weekly: true, until: null } })],
      BERLIN,
      at('2027-03-22T00:00'),
      at('2027-04-10T00:00'),
    );
    expect(out.map((o) => local(Number(o.start)))).toEqual([
      '2027-03-26 12:00',
      '2027-04-02 12:00',
      '2027-04-09 12:00',
    ]);
    expect(out.map((o) => local(Number(o.end)))).toEqual(['2027-03-26 13:00', '2027-04-02 13:00', '2027-04-09 13:00']);
    expect(out.every((o) => o.staffId === 'vet-a')).toBe(true);
  });

  it('stops after the until date (inclusive) and never before the first occurrence', () => {
    const b = block({ recurrence: { weekly: true, until: '2027-04-02' } });
    const out = expandBlocks([b], BERLIN, at('2027-03-01T00:00'), at('2027-05-01T00:00'));
    expect(out.map((o) => local(Number(o.start)))).toEqual([
      '2027-03-19 12:00',
      '2027-03-26 12:00',
      '2027-04-02 12:00',
    ]);
  });

  it('finds occurrences of a block that started long before the window', () => {
    const b = block({
      start: new Date(at('2025-01-03T12:00')),
      end: new Date(at('2025-01-03T13:00')),
      recurrence: { weekly: true, until: null },
    });
    const out = expandBlocks([b], BERLIN, at('2027-03-22T00:00'), at('2027-03-29T00:00'));
    expect(out.map((o) => local(Number(o.start)))).toEqual(['2027-03-26 12:00']);
  });

  it('includes an occurrence that started before the window but is still running', () => {
    const b = block({
      start: new Date(at('2027-03-19T22:00')),
      end: new Date(at('2027-03-20T06:00')),
      recurrence: { weekly: true, until: null },
    });
    const out = expandBlocks([b], BERLIN, at('2027-03-27T00:00'), at('2027-03-27T12:00'));
    expect(out.map((o) => local(Number(o.start)))).toEqual(['2027-03-26 22:00']);
  });
});
