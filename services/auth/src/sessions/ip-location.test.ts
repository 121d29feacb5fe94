import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IpLocator } from './ip-location.ts';

// MaxMind's own test database (github.com/maxmind/MaxMind-DB, test-data, Apache-2.0 or MIT).
const DB = fileURLToPath(new URL('../../test/fixtures/GeoLite2-City-Test.mmdb', import.meta.url));

describe('IpLocator', () => {
  it('gives the country and city of an address the database knows', async () => {
    const geo = await IpLocator.open(DB);
    expect(geo.locate('81.2.69.142')).toEqual({ country: 'GB', countryName: 'United Kingdom', city: 'London' });
    expect(geo.locate('2001:218::1')).toEqual({ country: 'JP', countryName: 'Japan', city: null });
  });
  it('gives nothing for private, unknown or malformed addresses', async () => {
    const geo = await IpLocator.open(DB);
    expect(geo.locate('127.0.0.1')).toBeNull();
    expect(geo.locate('10.1.2.3')).toBeNull();
    expect(geo.locate('not-an-ip')).toBeNull();
    expect(geo.locate(null)).toBeNull();
  });
  it('gives nothing without a database', async () => {
    expect((await IpLocator.open(undefined)).locate('81.2.69.142')).toBeNull();
  });
});
