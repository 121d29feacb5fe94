import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';

const bad = (cursor: string, shape: Parameters<typeof decodeCursor>[1]) => () => decodeCursor(cursor, shape);
const invalid = expect.objectContaining({ status: 400, code: 'invalid_cursor' });

describe('keyset cursors', () => {
  it('round-trip their key', () => {
    const key = {
      at: '2027-05-03T02:00:00.000Z',
      d: '2024-02-29',
      n: 1.5,
      id: '0190f5a4-5c3e-7000-8000-000000000001',
      s: 'Klinik',
    };
    expect(decodeCursor(encodeCursor(key), { at: 'instant', d: 'date', n: 'number', id: 'uuid', s: 'string' })).toEqual(
      key,
    );
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
    expect(bad(encodeCursor({ d: '0000-01-01' }), { d: 'date' })).toThrow(invalid);
    expect(bad(encodeCursor({ d: '2026-13-01' }), { d: 'date' })).toThrow(invalid);
    expect(bad(encodeCursor({ n: Number.MAX_VALUE * 2 }), { n: 'number' })).toThrow(invalid);
    expect(bad(Buffer.from('[1,2]').toString('base64url'), { id: 'uuid' })).toThrow(invalid);
  });
});
