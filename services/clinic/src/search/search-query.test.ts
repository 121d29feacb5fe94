import { describe, expect, it } from 'vitest';
import { MAX_RINGS, boundingBox, distanceKm, parseNear, ringRadii, textQuery, tsQueryText } from './search-query.ts';

describe('bounding box', () => {
  it('holds every point of the circle', () => {
    const centre = { lat: -6.2, lng: 106.8 };
    const box = boundingBox(centre.lat, centre.lng, 10);
    for (let bearing = 0; bearing < 360; bearing += 5) {
      // A point 9.99 km away in each direction (small-distance approximation is fine for this check).
      const d = 9.99 / 6371.0088;
      const b = (bearing * Math.PI) / 180;
      const lat1 = (centre.lat * Math.PI) / 180;
      const lng1 = (centre.lng * Math.PI) / 180;
      const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(b));
      const lng2 =
        lng1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
      const p = { lat: (lat2 * 180) / Math.PI, lng: (lng2 * 180) / Math.PI };
      expect(distanceKm(centre, p)).toBeLessThan(10);
      expect(p.lat).toBeGreaterThanOrEqual(box.minLat);
      expect(p.lat).toBeLessThanOrEqual(box.maxLat);
      expect(box.lngRanges.some(([lo, hi]) => p.lng >= lo && p.lng <= hi)).toBe(true);
    }
  });

  it('splits at the antimeridian and opens up near the poles', () => {
    expect(boundingBox(0, 179.95, 20).lngRanges).toHaveLength(2);
    expect(boundingBox(0, -179.95, 20).lngRanges).toHaveLength(2);
    expect(boundingBox(89.95, 0, 20).lngRanges).toEqual([[-180, 180]]);
  });
});

describe('distance', () => {
  it('is the great-circle distance', () => {
    // Monas (Jakarta) to Gedung Sate (Bandung): about 117 km.
    expect(distanceKm({ lat: -6.1754, lng: 106.8272 }, { lat: -6.9025, lng: 107.6188 })).toBeCloseTo(118, -1);
    expect(distanceKm({ lat: 1, lng: 2 }, { lat: 1, lng: 2 })).toBe(0);
  });
});

describe('text query', () => {
  it('ANDs the words, prefix-matches the last, and drops tsquery syntax', () => {
    expect(textQuery('Klinik Hewan')).toBe('klinik & hewan:*');
    expect(textQuery('vaksin & !kucing | (anjing):*')).toBe('vaksin & kucing & anjing:*');
    expect(textQuery(' !!! ')).toBeUndefined();
    expect(textQuery('Dokter Hewan Sehat')).toBe('dokter & hewan & sehat:*');
  });

  it('builds the query from words', () => {
    expect(tsQueryText(['klinik', 'hew'])).toBe('klinik & hew:*');
    expect(tsQueryText([])).toBeUndefined();
  });

  it('parses near', () => {
    expect(parseNear('-6.2,106.8')).toEqual({ lat: -6.2, lng: 106.8 });
    expect(parseNear('-6.2, 106.8')).toEqual({ lat: -6.2, lng: 106.8 });
    expect(parseNear('91,0')).toBeUndefined();
    expect(parseNear('abc')).toBeUndefined();
  });
});

describe('expanding ring', () => {
  it('grows fourfold from the cursor distance and ends at the radius', () => {
    expect(ringRadii(25)).toEqual([2, 8, 25]);
    expect(ringRadii(1)).toEqual([1]);
    expect(ringRadii(500, 3.5)).toEqual([5.5, 11.5, 35.5, 131.5, 500]);
  });

  it('never takes more than MAX_RINGS queries, whatever the cursor says (a forged -1e300 took 500)', () => {
    expect(ringRadii(500, -1e300)).toEqual([2, 8, 32, 128, 500]);
    expect(ringRadii(500, 0, 0.001).length).toBe(MAX_RINGS);
    expect(ringRadii(500, 0, 0.001).at(-1)).toBe(500);
    expect(ringRadii(25, 1e300)).toEqual([25]);
    expect(ringRadii(25, Number.NaN)).toEqual([2, 8, 25]);
  });
});
