import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB, StoredOpeningHours } from '../db.ts';
import { toClinic, type ClinicRecord } from '../clinics/clinics.repository.ts';
import { EARTH_RADIUS_KM, boundingBox, ringRadii, tsQueryText } from './search-query.ts';

export interface SearchCriteria {
  /** Words from searchWords(); every one must match (the last as a prefix). */
  words?: string[];
  city?: string;
  category?: string;
  species?: string;
  near?: { lat: number; lng: number; radiusKm: number };
  limit: number;
  /** Keyset of the previous page's last row, matching the sort in use. */
  after?: { distance?: number; tier?: number; name?: string; id: string };
  /** Aborts (between queries) when the client has gone. */
  signal?: AbortSignal;
}

export interface SearchHit {
  clinic: ClinicRecord;
  distanceKm?: number;
  /**
   * Text relevance tier: 0 = every word in the name, 1 = the words found elsewhere too (services, description, city).
   */
  tier?: number;
}

interface HitRow {
  id: string;
  owner_user_id: string;
  onboarding_id: string | null;
  name: string;
  description: string;
  phone: string | null;
  email: string | null;
  address: string | null;
  city: string | null;
  province: string | null;
  lat: number | null;
  lng: number | null;
  time_zone: string;
  published: boolean;
  opening_hours: StoredOpeningHours;
  categories: string[];
  species: string[];
  created_at: Date;
  updated_at: Date;
  distance_km: number | null;
  tier: number | null;
}

const COLUMNS = sql`c.id, c.owner_user_id, c.onboarding_id, c.name, c.description, c.phone, c.email, c.address,
  c.city, c.province,
  c.lat, c.lng, c.time_zone, c.published, c.opening_hours, c.categories, c.species, c.created_at, c.updated_at`;

const tsquery = (text: string) => sql`to_tsquery('simple', ${text})`;

/**
 * The public clinic search, in SQL. Every filter has an index over published, live clinics (see the
 * migration): city (btree on lower(city), name, id), text (GIN on the tsvector), category and species
 * (GIN on the derived arrays), location (GiST on point(lng, lat) for the bounding box).
 *
 * Each sort is built so that PostgreSQL can stop after one page instead of sorting every match:
 * - by name (no q, no near): walks the name index;
 * - text (q): two relevance tiers (every word in the name; anywhere), newest first within each;
 *   no ts_rank over thousands of matches, which costs hundreds of milliseconds for a word like
 *   "klinik" (see byTier);
 * - distance (near): an expanding ring, 2 km then four times wider up to radiusKm; a ring that
 *   already holds a page answers exactly, because everything outside it is farther away.
 */
export class SearchRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async search(c: SearchCriteria): Promise<SearchHit[]> {
    if (c.near) {
      let rows: HitRow[] = [];
      for (const r of ringRadii(c.near.radiusKm, c.after?.distance ?? 0)) {
        c.signal?.throwIfAborted();
        rows = await this.nearWithin(c, c.near, r);
        if (rows.length >= c.limit) break;
      }
      return rows.map(toHit);
    }
    if (c.words?.length) return (await this.byTier(c, c.words)).map(toHit);
    const where = filters(c);
    if (c.after?.name !== undefined) where.push(sql`(c.name, c.id) > (${c.after.name}, ${c.after.id}::uuid)`);
    const r = await sql<HitRow>`
      select ${COLUMNS}, null::float8 as distance_km, null::int as tier from clinics c
      where ${sql.join(where, sql` and `)} order by c.name, c.id limit ${c.limit}`.execute(this.db);
    return r.rows.map(toHit);
  }

  /** Matches within `radiusKm` (after the cursor), nearest first. */
  private async nearWithin(c: SearchCriteria, at: { lat: number; lng: number }, radiusKm: number): Promise<HitRow[]> {
    const where = filters(c);
    const all = c.words?.length ? tsQueryText(c.words) : undefined;
    if (all) where.push(sql`c.search_document @@ ${tsquery(all)}`);
    // Haversine; least() guards asin against rounding just above 1.
    const distance = sql<number>`(2 * ${EARTH_RADIUS_KM}::float8 * asin(least(1, sqrt(
      power(sin(radians(c.lat - ${at.lat}::float8) / 2), 2) +
      cos(radians(${at.lat}::float8)) * cos(radians(c.lat)) *
      power(sin(radians(c.lng - ${at.lng}::float8) / 2), 2)))))`;
    const box = boundingBox(at.lat, at.lng, radiusKm);
    const boxes = box.lngRanges.map(
      ([lo, hi]) =>
        sql`point(c.lng, c.lat) <@ box(point(${lo}::float8, ${box.minLat}::float8),
                                       point(${hi}::float8, ${box.maxLat}::float8))`,
    );
    where.push(sql`c.lat is not null`);
    where.push(boxes.length === 1 ? boxes[0]! : sql`(${sql.join(boxes, sql` or `)})`);
    where.push(sql`${distance} <= ${radiusKm}::float8`);
    const a = c.after;
    if (a?.distance !== undefined)
      where.push(
        sql`(${distance} > ${a.distance}::float8 or (${distance} = ${a.distance}::float8 and c.id > ${a.id}::uuid))`,
      );
    const r = await sql<HitRow>`
      select ${COLUMNS}, ${distance} as distance_km, null::int as tier from clinics c
      where ${sql.join(where, sql` and `)} order by distance_km, c.id limit ${c.limit}`.execute(this.db);
    return r.rows;
  }

  /**
   * Text matches by relevance tier (0: every word in the name; 1: the other matches), newest first
   * within a tier. Tiers are read in turn, the next only while the page is not full, so a common
   * word whose name matches fill the page never pays for the rest.
   *
   * No ts_rank sort: over the 15,000 matches of a word like "klinik" it costs hundreds of ms. And
   * PostgreSQL estimates prefix matches poorly, so it cannot be left to pick between walking an
   * index (fast for common words) and the GIN index (fast for rare ones). Each tier is therefore
   * read in two steps whose cost is bounded either way:
   * 1. the WINDOW newest published clinics (of the city, when one is given) after the cursor,
   *    filtered: when they hold a page, that page is exact (every match outside the window is
   *    older) and cost at most WINDOW rows;
   * 2. otherwise the matches are rare (under limit per WINDOW rows), so the GIN index finds them
   *    all cheaply; `order by id::text` (the same order as the uuid) keeps the planner on it.
   * Ordering by id (UUIDv7: creation time) rather than name matters: name order is correlated with
   * name matches ("klinik" sits behind every "Grooming …"), id order is not.
   */
  private async byTier(c: SearchCriteria, words: string[]): Promise<HitRow[]> {
    const query = tsquery(tsQueryText(words)!);
    const tiers: Array<RawBuilder<unknown>> = [
      sql`c.name_document @@ ${query}`,
      sql`c.search_document @@ ${query} and not c.name_document @@ ${query}`,
    ];
    const a = c.after;
    const out: HitRow[] = [];
    for (let t = a?.tier ?? 0; t < tiers.length && out.length < c.limit; t++) {
      c.signal?.throwIfAborted();
      const need = c.limit - out.length;
      const where = [...filters(c), tiers[t]!];
      const after = a?.tier === t ? sql`c.id < ${a.id}::uuid` : sql`true`;
      // The window reads only what the filters need; whole rows are fetched for the page alone.
      const city = c.city ? sql`lower(c.city) = ${c.city.toLowerCase()}` : sql`true`;
      const windowed = await sql<HitRow>`
        select ${COLUMNS}, null::float8 as distance_km, ${sql.lit(t)}::int as tier from clinics c
        where c.id in (
          select c.id from (
            select c.id, c.city, c.categories, c.species, c.published, c.deleted_at, c.name_document, c.search_document
            from clinics c
            where c.published and c.deleted_at is null and ${city} and ${after} order by c.id desc limit ${WINDOW}) c
          where ${sql.join(where, sql` and `)} order by c.id desc limit ${need})
        order by c.id desc`.execute(this.db);
      if (windowed.rows.length >= need) {
        out.push(...windowed.rows);
        break;
      }
      c.signal?.throwIfAborted();
      const rare = await sql<HitRow>`
        select ${COLUMNS}, null::float8 as distance_km, ${sql.lit(t)}::int as tier from clinics c
        where ${sql.join([...where, after], sql` and `)} order by c.id::text desc limit ${need}`.execute(this.db);
      out.push(...rare.rows);
    }
    return out;
  }
}

/** Newest clinics examined before a tier's matches count as rare (see byTier). */
const WINDOW = 2_000;

/** The filters every sort shares. */
function filters(c: SearchCriteria): RawBuilder<unknown>[] {
  const where: RawBuilder<unknown>[] = [sql`c.published`, sql`c.deleted_at is null`];
  if (c.city) where.push(sql`lower(c.city) = ${c.city.toLowerCase()}`);
  if (c.category) where.push(sql`c.categories @> array[${c.category}]::text[]`);
  if (c.species) where.push(sql`c.species @> array[${c.species}]::text[]`);
  return where;
}

function toHit(r: HitRow): SearchHit {
  return {
    clinic: toClinic(r),
    ...(r.distance_km !== null ? { distanceKm: r.distance_km } : {}),
    ...(r.tier !== null ? { tier: r.tier } : {}),
  };
}
