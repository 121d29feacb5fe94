import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('cursor', () => {
  it('round-trips a position', () => {
    const c = { start: new Date('2027-05-03T02:00:00Z'), id: '0190f5a4-5c3e-7000-8000-000000000001' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });

  it('refuses anything it did not make with 400 invalid_cursor', () => {
    for (const bad of [
      '',
      'abc',
      Buffer.from('{"s":"nope","i":"x"}').toString('base64url'),
      Buffer.from('[1]').toString('base64url'),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_cursor' }));
    }
  });

  it('refuses a cursor whose id is not a UUID or whose date PostgreSQL cannot hold (they made a 500)', () => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of [
      enc({ s: '2027-05-03T02:00:00.000Z', i: '-'.repeat(36) }),
      enc({ s: '2027-05-03T02:00:00.000Z', i: 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz' }),
      enc({ s: '-271821-04-20T00:00:00.000Z', i: '0190f5a4-5c3e-7000-8000-000000000001' }),
      enc({ s: '+275760-09-13T00:00:00.000Z', i: '0190f5a4-5c3e-7000-8000-000000000001' }),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_cursor' }));
    }
  });
});
