import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('cursor', () => {
  it('round-trips a position', () => {
    const c = { start: new Date('2027-05-03T02:00:00Z'), id: '0190f5a4-5c3e-7000-8000-000000000001' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });

  it('refuses anything it did not make with 400 invalid_cursor', () => {
    for (const bad of ['', 'abc', Buffer.from('{"s":"nope","i":"x"}').toString('base64url'), Buffer.from('[1]').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_cursor' }));
    }
  });
});
