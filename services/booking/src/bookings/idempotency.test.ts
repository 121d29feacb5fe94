import { describe, expect, it } from 'vitest';
import { canonicalJson, isValidIdempotencyKey, requestHash } from './idempotency.ts';

describe('idempotency fingerprint', () => {
  it('ignores key order and absent-versus-null fields', () => {
    const a = { clinicId: 'c', petIds: ['p1', 'p2'], start: 's', staffId: null };
    const b = { start: 's', petIds: ['p1', 'p2'], clinicId: 'c' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(requestHash(a)).toBe(requestHash(b));
  });

  it('changes with any value, including pet order', () => {
    const base = { clinicId: 'c', petIds: ['p1', 'p2'], start: 's' };
    expect(requestHash({ ...base, start: 't' })).not.toBe(requestHash(base));
    expect(requestHash({ ...base, petIds: ['p2', 'p1'] })).not.toBe(requestHash(base));
    expect(requestHash({ ...base, notes: 'x' })).not.toBe(requestHash(base));
  });

  it('accepts 1-255 visible ASCII characters as a key', () => {
    expect(isValidIdempotencyKey('3f1c2d9e-6b8a-4f7e-9a1b-2c3d4e5f6a7b')).toBe(true);
    expect(isValidIdempotencyKey('a'.repeat(255))).toBe(true);
    expect(isValidIdempotencyKey('')).toBe(false);
    expect(isValidIdempotencyKey('a'.repeat(256))).toBe(false);
    expect(isValidIdempotencyKey('has space')).toBe(false);
    expect(isValidIdempotencyKey('naïve')).toBe(false);
  });
});
