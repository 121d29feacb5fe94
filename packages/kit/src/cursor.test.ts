import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageQuery, toPage } from './cursor.ts';
import { z } from './api-router.ts';

const bad = (cursor: string, shape: Parameters<typeof decodeCursor>[1]) => () => decodeCursor(cursor, shape);
const invalid = expect.objectContaining({ status: 400, code: 'invalid_cursor' });
const km = { type: 'number', min: 0, max: 500 } as const;

describe('keyset cursors', () => {
  it('round-trip their key', () => {
    const key = {
      at: '2027-05-03T02:00:00.000Z',
      d: '2024-02-29',
      n: 1.5,
      id: '0190f5a4-5c3e-7000-8000-000000000001',
      s: 'Klinik Hewan "Sehat" – Jakarta',
    };
    expect(decodeCursor(encodeCursor(key), { at: 'instant', d: 'date', n: km, id: 'uuid', s: 'string' })).toEqual(key);
    for (const at of ['2027-05-03T09:00:00+07:00', '2027-05-03T02:00:00Z', '2027-05-03T02:00:00.123456-03:30'])
      expect(decodeCursor(encodeCursor({ at }), { at: 'instant' }).at).toBe(at);
  });

  it('refuse what the service could not have written (each made a 500 once)', () => {
    expect(bad('not base64 json', { id: 'uuid' })).toThrow(invalid);
    expect(bad(encodeCursor({ id: '-'.repeat(36) }), { id: 'uuid' })).toThrow(invalid);
    expect(bad(encodeCursor({ id: '0190f5a4-5c3e-7000-8000-00000000000g' }), { id: 'uuid' })).toThrow(invalid);
    expect(bad(encodeCursor({ id: 12 }), { id: 'uuid' })).toThrow(invalid);
    expect(bad(encodeCursor({ at: 'x' }), { at: 'instant' })).toThrow(invalid);
    expect(bad(encodeCursor({ at: '-271821-04-20T00:00:00.000Z' }), { at: 'instant' })).toThrow(invalid);
    expect(bad(encodeCursor({ at: '+275760-09-13T00:00:00.000Z' }), { at: 'instant' })).toThrow(invalid);
    expect(bad(encodeCursor({ d: '2026-02-30' }), { d: 'date' })).toThrow(invalid);
    expect(bad(encodeCursor({ d: '2025-02-29' }), { d: 'date' })).toThrow(invalid);
    expect(bad(encodeCursor({ d: '0000-01-01' }), { d: 'date' })).toThrow(invalid);
    expect(bad(encodeCursor({ d: '2026-13-01' }), { d: 'date' })).toThrow(invalid);
    expect(bad(encodeCursor({ n: Number.MAX_VALUE * 2 }), { n: km })).toThrow(invalid);
    expect(bad(Buffer.from('[1,2]').toString('base64url'), { id: 'uuid' })).toThrow(invalid);
  });

  // Regression (issue 10): `{"n":"\u0000"}` reached PostgreSQL and made a 500; four of them opened the
  // clinic service's circuit for every client.
  it('refuse NUL and other control characters, and broken Unicode, in strings', () => {
    for (const s of ['\u0000', 'Klinik\u0000', 'a\u0007b', 'line\nbreak', '\u007f', '\u0085', '\ud800'])
      expect(bad(encodeCursor({ s }), { s: 'string' }), JSON.stringify(s)).toThrow(invalid);
    expect(bad(encodeCursor({ s: 'x'.repeat(1_001) }), { s: 'string' })).toThrow(invalid);
  });

  it('hold numbers to their range', () => {
    expect(bad(encodeCursor({ n: -1 }), { n: km })).toThrow(invalid);
    expect(bad(encodeCursor({ n: 500.5 }), { n: km })).toThrow(invalid);
    expect(bad(encodeCursor({ n: '1' }), { n: km })).toThrow(invalid);
    const tier = { type: 'number', min: 0, max: 1, integer: true } as const;
    expect(decodeCursor(encodeCursor({ t: 1 }), { t: tier }).t).toBe(1);
    expect(bad(encodeCursor({ t: 2 }), { t: tier })).toThrow(invalid);
    expect(bad(encodeCursor({ t: 0.5 }), { t: tier })).toThrow(invalid);
  });

  it('take only ISO 8601 instants, not whatever Date parses', () => {
    for (const at of [
      'Tue, 03 May 2027 02:00:00 GMT',
      '2027-05-03',
      '2027-05-03 02:00:00Z',
      '2027-05-03T02:00:00',
      '2027-05-03T02:00Z',
      '2027-02-30T00:00:00Z',
      '2027-05-03T24:00:00Z',
      '2027-05-03T23:59:60Z',
      '2027-05-03T02:00:00+16:00',
      '2027-05-03T02:00:00.1234567Z',
      '0000-01-01T00:00:00Z',
      '0001-01-01T00:00:00+01:00',
      '1',
    ])
      expect(bad(encodeCursor({ at }), { at: 'instant' }), at).toThrow(invalid);
  });
});

describe('toPage', () => {
  const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];

  it('keeps `limit` items and makes the next cursor from the last one when the extra row came', () => {
    const page = toPage(rows, 2, (r) => ({ id: r.id }));
    expect(page.items).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(decodeCursor(page.nextCursor!, { id: 'string' })).toEqual({ id: 'b' });
  });

  it('has no next cursor on the last page', () => {
    expect(toPage(rows, 3, (r) => ({ id: r.id }))).toEqual({ items: rows, nextCursor: null });
    expect(toPage([], 3, (r: { id: string }) => ({ id: r.id }))).toEqual({ items: [], nextCursor: null });
  });
});

describe('pageQuery', () => {
  const query = z.strictObject(pageQuery);

  it('defaults the limit to 20 and reads it from a query string', () => {
    expect(query.parse({})).toEqual({ limit: 20 });
    expect(query.parse({ limit: '100', cursor: 'abc' })).toEqual({ limit: 100, cursor: 'abc' });
  });

  it('refuses a limit outside 1-100 or not whole, and an oversized cursor', () => {
    expect(query.safeParse({ limit: '0' }).error?.issues[0]?.message).toBe('must be at least 1');
    expect(query.safeParse({ limit: '101' }).error?.issues[0]?.message).toBe('must be at most 100');
    expect(query.safeParse({ limit: '2.5' }).error?.issues[0]?.message).toBe('must be a whole number');
    expect(query.safeParse({ cursor: 'x'.repeat(501) }).success).toBe(false);
  });
});
