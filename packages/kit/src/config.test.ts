import { describe, expect, it } from 'vitest';
import { boolVar, csvVar, intVar, msVar, optionalVar, parseConfig, publicUrls, urlVar } from './config.ts';

const lineFor = (shape: Parameters<typeof parseConfig>[0], env: Record<string, string>) => {
  try {
    parseConfig(shape, env);
    return 'accepted';
  } catch (err) {
    return (err as Error).message;
  }
};

describe('configuration variable builders', () => {
  it('name the variable, the rule and the value in one line', () => {
    const shape = { N: intVar(1, 10).default(5) };
    expect(parseConfig(shape, {}).N).toBe(5);
    expect(parseConfig(shape, { N: '7' }).N).toBe(7);
    expect(lineFor(shape, { N: 'x' })).toBe('Configuration error: N must be a whole number (got "x")');
    expect(lineFor(shape, { N: '1.5' })).toBe('Configuration error: N must be a whole number (got "1.5")');
    expect(lineFor(shape, { N: '0' })).toBe('Configuration error: N must be at least 1 (got "0")');
    expect(lineFor(shape, { N: '11' })).toBe('Configuration error: N must be at most 10 (got "11")');
  });

  it('say what a number counts and what 0 turns off', () => {
    expect(lineFor({ T: msVar(100, 1_000) }, { T: 'soon' })).toBe(
      'Configuration error: T must be a number of milliseconds (got "soon")',
    );
    expect(lineFor({ C: intVar(0, 10, { zeroMeans: 'no limit' }) }, { C: '-1' })).toBe(
      'Configuration error: C must be 0 (no limit) or more (got "-1")',
    );
    expect(lineFor({ R: intVar(0, 10, { what: 'a number of requests' }) }, { R: 'many' })).toBe(
      'Configuration error: R must be a number of requests (got "many")',
    );
  });

  it('read booleans, lists and empty optional values', () => {
    const shape = { B: boolVar().default(true), L: csvVar().default([]), U: optionalVar(urlVar('http', 'https')) };
    expect(parseConfig(shape, { B: 'no', L: ' a, b,,c ', U: '' })).toEqual({ B: false, L: ['a', 'b', 'c'] });
    expect(parseConfig(shape, { B: 'yes' }).B).toBe(true);
    expect(lineFor(shape, { B: 'maybe' })).toBe('Configuration error: B must be true or false (got "maybe")');
  });
});

describe('publicUrls', () => {
  it('is the public gateway URL without a trailing slash, else the local gateway', () => {
    expect(publicUrls({ GATEWAY_PORT: 8080 })).toEqual({ gateway: 'http://localhost:8080', app: undefined });
    expect(
      publicUrls({ GATEWAY_PORT: 8080, PUBLIC_URL: 'https://api.petpro.id/', PUBLIC_APP_URL: 'https://petpro.id/' }),
    ).toEqual({ gateway: 'https://api.petpro.id', app: 'https://petpro.id' });
  });
});
