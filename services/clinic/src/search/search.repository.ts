import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB, StoredOpeningHours } from '../db.ts';
import { toClinic, type ClinicRecord } from '../clinics/clinics.repository.ts';
import { EARTH_RADIUS_KM, boundingBox } from './search-query.ts';

export interface SearchCriteria {
  /** A to_tsquery('simple') text built by textQuery(). */
  tsQuery?: string;
  city?: string;
  category?: string;
  species?: string;
  near?: { lat: number; lng: number; radiusKm: number };
  limit: number;
  /** Keyset of the previous page's last row, matching the sort in use. */
  after?: { distance?: number; rank?: number; name?: string; id: string };
}

export interface SearchHit {
  clinic: ClinicRecord;
  distanceKm?: number;
  rank?: number;
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
  rank: number | null;
}

/**
 * The public clinic search, in SQL. Every filter has an index over published, live clinics (see
 * the migration): city (btree on lower(city), name), text (GIN on the tsvector), category and
 * species (GIN on the derived arrays), location (GiST on point(lng, lat) for the bounding box).
 * Sorting: by great-circle distance with `near`, else by text rank with `q`, else by name; ties by id.
 */
export class SearchRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async search(c: SearchCriteria): Promise<SearchHit[]> {
    const where: RawBuilder<unknown>[] = [sql`c.published`, sql`c.deleted_at is null`];
    const query = c.tsQuery === undefined ? undefined : sql`to_tsquery('simple', ${c.tsQuery})`;
    if (c.city) where.push(sql`lower(c.city) = ${c.city.toLowerCase()}`);
    if (c.category) where.push(sql`c.categories @> array[${c.category}]::text[]`);
    if (c.species) where.push(sql`c.species @> array[${c.species}]::text[]`);
    if (query) where.push(sql`c.search_document @@ ${query}`);

    let distance: RawBuilder<number> | undefined;
    if (c.near) {
      const { lat, lng, radiusKm } = c.near;
      // Haversine; least() guards asin against rounding just above 1.
      distance = sql<number>`(2 * ${EARTH_RADIUS_KM}::float8 * asin(least(1, sqrt(
        power(sin(radians(c.lat - ${lat}::float8) / 2), 2) +
        cos(radians(${lat}::float8)) * cos(radians(c.lat)) * power(sin(radians(c.lng - ${lng}::float8) / 2), 2)))))`;
      const box = boundingBox(lat, lng, radiusKm);
      const boxes = box.lngRanges.map(([lo, hi]) => sql`point(c.lng, c.lat) <@ box(point(${lo}::float8, ${box.minLat}::float8), point(${hi}::float8, ${box.maxLat}::float8))`);
      where.push(sql`c.lat is not null`);
      where.push(boxes.length === 1 ? boxes[0]! : sql`(${sql.join(boxes, sql` or `)})`);
      where.push(sql`${distance} <= ${radiusKm}::float8`);
    }
    const rank = query ? sql<number>`ts_rank(c.search_document, ${query})` : undefined;

    let order: RawBuilder<unknown>;
    const a = c.after;
    if (distance) {
      order = sql`distance_km, c.id`;
      if (a?.distance !== undefined) where.push(sql`(${distance} > ${a.distance}::float8 or (${distance} = ${a.distance}::float8 and c.id > ${a.id}::uuid))`);
    } else if (rank) {
      order = sql`rank desc, c.id`;
      if (a?.rank !== undefined) where.push(sql`(${rank} < ${a.rank}::real or (${rank} = ${a.rank}::real and c.id > ${a.id}::uuid))`);
    } else {
      order = sql`c.name, c.id`;
      if (a?.name !== undefined) where.push(sql`(c.name, c.id) > (${a.name}, ${a.id}::uuid)`);
    }

    const result = await sql<HitRow>`
      select c.id, c.owner_user_id, c.onboarding_id, c.name, c.description, c.phone, c.email, c.address, c.city, c.province,
             c.lat, c.lng, c.time_zone, c.published, c.opening_hours, c.categories, c.species, c.created_at, c.updated_at,
             ${distance ?? sql`null::float8`} as distance_km,
             ${rank ?? sql`null::real`} as rank
      from clinics c
      where ${sql.join(where, sql` and `)}
      order by ${order}
      limit ${c.limit}`.execute(this.db);
    return result.rows.map((r) => ({
      clinic: toClinic(r),
      ...(r.distance_km !== null ? { distanceKm: r.distance_km } : {}),
      ...(r.rank !== null ? { rank: r.rank } : {}),
    }));
  }
}
