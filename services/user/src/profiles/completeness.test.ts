import { describe, expect, it } from 'vitest';
import { COMPLETENESS_WEIGHTS, computeCompleteness, type CompletenessInput } from './completeness.ts';

const empty: CompletenessInput = {
  displayName: null,
  phone: null,
  address: null,
  city: null,
  bio: null,
  hasAvatar: false,
  petCount: 0,
};
const full: CompletenessInput = {
  displayName: 'Budi',
  phone: '+6281234567890',
  address: 'Jl. Merdeka 1',
  city: 'Bandung',
  bio: 'Cat person',
  hasAvatar: true,
  petCount: 2,
};

describe('computeCompleteness', () => {
  it('weights add up to 100', () => {
    expect(Object.values(COMPLETENESS_WEIGHTS).reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('an empty profile is 0 % with everything missing, in a stable order', () => {
    expect(computeCompleteness(empty)).toEqual({
      percent: 0,
      missing: ['displayName', 'phone', 'address', 'city', 'bio', 'avatar', 'pets'],
    });
  });

  it('a full profile is 100 % with nothing missing', () => {
    expect(computeCompleteness(full)).toEqual({ percent: 100, missing: [] });
  });

  it('each item adds its own weight', () => {
    expect(computeCompleteness({ ...empty, displayName: 'Budi' }).percent).toBe(COMPLETENESS_WEIGHTS.displayName);
    expect(computeCompleteness({ ...empty, hasAvatar: true }).percent).toBe(COMPLETENESS_WEIGHTS.avatar);
    expect(computeCompleteness({ ...empty, petCount: 1 }).percent).toBe(COMPLETENESS_WEIGHTS.pets);
    expect(computeCompleteness({ ...full, bio: null })).toEqual({
      percent: 100 - COMPLETENESS_WEIGHTS.bio,
      missing: ['bio'],
    });
  });

  it('empty strings count as missing', () => {
    expect(computeCompleteness({ ...full, city: '' }).missing).toEqual(['city']);
  });
});
