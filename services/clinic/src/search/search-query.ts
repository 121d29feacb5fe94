/**
 * Pure helpers for clinic search: the bounding box that prefilters `near` searches, the great-circle
 * distance (the same formula the SQL uses, for tests and checks), and the full-text query built from
 * what a user typed.
 */

/** Mean Earth radius in km (IUGG), the one the SQL distance uses too. */
export const EARTH_RADIUS_KM = 6371.0088;
const KM_PER_DEGREE = (Math.PI * EARTH_RADIUS_KM) / 180;

export interface BoundingBox {
  minLat: number;
  maxLat: number;
  /** One range, or two when the box crosses the antimeridian. */
  lngRanges: Array<[number, number]>;
}

/**
 * The smallest lat/lng box that holds every point within `radiusKm` of (lat, lng). It is only a
 * prefilter (the exact distance decides), so it errs on the side of being too large.
 */
export function boundingBox(lat: number, lng: number, radiusKm: number): BoundingBox {
  const dLat = radiusKm / KM_PER_DEGREE;
  const minLat = Math.max(-90, lat - dLat);
  const maxLat = Math.min(90, lat + dLat);
  // Near a pole the circle holds every longitude.
  if (minLat <= -90 || maxLat >= 90) return { minLat, maxLat, lngRanges: [[-180, 180]] };
  // The widest longitude span is at the latitude farthest from the equator inside the box.
  const widest = Math.max(Math.abs(minLat), Math.abs(maxLat));
  const dLng = dLat / Math.cos((widest * Math.PI) / 180);
  if (dLng >= 180) return { minLat, maxLat, lngRanges: [[-180, 180]] };
  const lo = lng - dLng;
  const hi = lng + dLng;
  if (lo < -180)
    return {
      minLat,
      maxLat,
      lngRanges: [
        [lo + 360, 180],
        [-180, hi],
      ],
    };
  if (hi > 180)
    return {
      minLat,
      maxLat,
      lngRanges: [
        [lo, 180],
        [-180, hi - 360],
      ],
    };
  return { minLat, maxLat, lngRanges: [[lo, hi]] };
}

/** Great-circle (haversine) distance in km. */
export function distanceKm(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = Math.PI / 180;
  const s =
    Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lng - a.lng) * rad) / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(s)));
}

/**
 * The searchable words of free input: letters and digits only (so no tsquery syntax survives), lowercased, at most 8.
 */
export function searchWords(input: string): string[] {
  return input
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 8);
}

/**
 * A PostgreSQL `to_tsquery('simple', …)` text: every word must match, the last one as a prefix (so
 * "klin" finds "klinik" while typing). Undefined when there is no word.
 */
export function tsQueryText(words: readonly string[]): string | undefined {
  if (!words.length) return undefined;
  return words.map((w, i) => (i === words.length - 1 ? `${w}:*` : w)).join(' & ');
}

/** Shorthand for tsQueryText(searchWords(input)). */
export function textQuery(input: string): string | undefined {
  return tsQueryText(searchWords(input));
}

/** Most queries one `near` page may cost: the last ring is always the whole radius. */
export const MAX_RINGS = 6;

/**
 * Radii for the expanding-ring `near` search, in km: start small, grow fourfold, end at the
 * requested radius, in at most MAX_RINGS steps whatever `fromKm` (the distance already paged past,
 * from the cursor) says: a forged distance of -1e300 once made one request run 500 queries.
 */
export function ringRadii(radiusKm: number, fromKm = 0, firstStepKm = 2): number[] {
  const from = Number.isFinite(fromKm) ? Math.min(Math.max(fromKm, 0), radiusKm) : 0;
  const out: number[] = [];
  let step = firstStepKm;
  for (;;) {
    const r = out.length === MAX_RINGS - 1 ? radiusKm : Math.min(radiusKm, from + step);
    out.push(r);
    if (r >= radiusKm) return out;
    step *= 4;
  }
}

/** Parses `near=lat,lng`; undefined when malformed or out of range. */
export function parseNear(value: string): { lat: number; lng: number } | undefined {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(value);
  if (!m) return undefined;
  const lat = Number(m[1]);
  const lng = Number(m[2]);
  if (!(lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180)) return undefined;
  return { lat, lng };
}
