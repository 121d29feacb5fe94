import { sql, type Kysely, type Selectable, type UpdateQueryBuilder, type UpdateResult } from 'kysely';
import type { ClinicsTable, DB, StoredOpeningHours } from '../db.ts';
import type { OpeningHours } from '../hours/opening-hours.ts';

export interface ClinicFields {
  name: string;
  description: string;
  phone: string | null;
  email: string | null;
  address: string | null;
  city: string | null;
  province: string | null;
  location: { lat: number; lng: number } | null;
  timeZone: string;
  published: boolean;
}

/** A clinic as stored: its editable fields plus ownership, derived search facets and times. */
export interface ClinicRecord extends ClinicFields {
  id: string;
  ownerUserId: string;
  onboardingId: string | null;
  openingHours: OpeningHours;
  categories: string[];
  species: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface PhotoRecord {
  id: string;
  clinicId: string;
  position: number;
  sizes: string[];
}

const clinicColumns = [
  'id',
  'owner_user_id',
  'onboarding_id',
  'name',
  'description',
  'phone',
  'email',
  'address',
  'city',
  'province',
  'lat',
  'lng',
  'time_zone',
  'published',
  'opening_hours',
  'categories',
  'species',
  'created_at',
  'updated_at',
] as const;

type ClinicRow = Pick<Selectable<ClinicsTable>, (typeof clinicColumns)[number]>;

/** Maps a row to a record (the only place that knows column names). */
export function toClinic(r: ClinicRow): ClinicRecord {
  const hours = r.opening_hours as StoredOpeningHours;
  return {
    id: r.id,
    ownerUserId: r.owner_user_id,
    onboardingId: r.onboarding_id,
    name: r.name,
    description: r.description,
    phone: r.phone,
    email: r.email,
    address: r.address,
    city: r.city,
    province: r.province,
    location: r.lat === null || r.lng === null ? null : { lat: r.lat, lng: r.lng },
    timeZone: r.time_zone,
    published: r.published,
    openingHours: { weekly: hours.weekly ?? [], closures: hours.closures ?? [] },
    categories: r.categories,
    species: r.species,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Adds the owner condition of a scope to an update of clinics. */
function ownedBy<Q extends UpdateQueryBuilder<DB, 'clinics', 'clinics', UpdateResult>>(q: Q, scope: OwnerScope): Q {
  return 'ownerUserId' in scope ? (q.where('owner_user_id', '=', scope.ownerUserId) as Q) : q;
}

function columnsOf(f: Partial<ClinicFields>) {
  return {
    ...(f.name !== undefined && { name: f.name }),
    ...(f.description !== undefined && { description: f.description }),
    ...(f.phone !== undefined && { phone: f.phone }),
    ...(f.email !== undefined && { email: f.email }),
    ...(f.address !== undefined && { address: f.address }),
    ...(f.city !== undefined && { city: f.city }),
    ...(f.province !== undefined && { province: f.province }),
    ...(f.location !== undefined && { lat: f.location?.lat ?? null, lng: f.location?.lng ?? null }),
    ...(f.timeZone !== undefined && { time_zone: f.timeZone }),
    ...(f.published !== undefined && { published: f.published }),
  };
}

const DERIVED_UPDATE = sql`
  update clinics c set
    categories = coalesce((select array_agg(distinct s.category order by s.category) from clinic_services s
                           where s.clinic_id = c.id and s.active and s.deleted_at is null), '{}'),
    species = coalesce((select array_agg(distinct sp order by sp) from clinic_services s cross join unnest(s.species) sp
                        where s.clinic_id = c.id and s.active and s.deleted_at is null), '{}'),
    name_document = to_tsvector('simple', c.name),
    search_document =
      setweight(to_tsvector('simple', c.name), 'A') ||
      setweight(to_tsvector('simple', coalesce((select string_agg(s.name || ' ' || s.category, ' ')
                                                from clinic_services s
                                                where s.clinic_id = c.id and s.active and s.deleted_at is null),
                                               '')), 'B') ||
      setweight(to_tsvector('simple', c.description), 'C') ||
      setweight(to_tsvector('simple', coalesce(c.city, '')), 'D')`;

/**
 * Whose clinic a write may touch, written into the query: the acting vendor's own (owner_user_id), or
 * any (admins). A forgotten ownership check upstream still cannot change another vendor's clinic.
 */
export type OwnerScope = { ownerUserId: string } | { anyOwner: true };

/** The only SQL for clinics and their photos. */
export class ClinicsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async findById(id: string): Promise<ClinicRecord | undefined> {
    const r = await this.db
      .selectFrom('clinics')
      .select(clinicColumns)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return r && toClinic(r);
  }

  async findByOnboardingId(onboardingId: string): Promise<ClinicRecord | undefined> {
    const r = await this.db
      .selectFrom('clinics')
      .select(clinicColumns)
      .where('onboarding_id', '=', onboardingId)
      .executeTakeFirst();
    return r && toClinic(r);
  }

  /** Up to `limit + 1` live clinics of an owner after `afterId`, newest first (UUIDv7: id order is creation order). */
  async listPageByOwner(ownerUserId: string, afterId: string | undefined, limit: number): Promise<ClinicRecord[]> {
    let q = this.db
      .selectFrom('clinics')
      .select(clinicColumns)
      .where('owner_user_id', '=', ownerUserId)
      .where('deleted_at', 'is', null);
    if (afterId) q = q.where('id', '<', afterId);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return rows.map(toClinic);
  }

  async insert(
    input: ClinicFields & { id: string; ownerUserId: string; onboardingId?: string; openingHours?: OpeningHours },
  ): Promise<ClinicRecord> {
    const r = await this.db
      .insertInto('clinics')
      .values({
        id: input.id,
        owner_user_id: input.ownerUserId,
        onboarding_id: input.onboardingId ?? null,
        ...columnsOf(input),
        name: input.name,
        opening_hours: JSON.stringify(input.openingHours ?? { weekly: [], closures: [] }),
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning(clinicColumns)
      .executeTakeFirstOrThrow();
    await this.refreshDerived(r.id);
    return (await this.findById(r.id))!;
  }

  /** Changes a clinic within the scope; undefined when no such clinic is in it. */
  async update(id: string, scope: OwnerScope, patch: Partial<ClinicFields>): Promise<ClinicRecord | undefined> {
    const r = await ownedBy(this.db.updateTable('clinics'), scope)
      .set({ ...columnsOf(patch), updated_at: new Date() })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return undefined;
    if (patch.name !== undefined || patch.description !== undefined || patch.city !== undefined)
      await this.refreshDerived(id);
    return this.findById(id);
  }

  /** Replaces the opening hours of a clinic within the scope; false when there is none. */
  async setOpeningHours(id: string, scope: OwnerScope, hours: OpeningHours): Promise<boolean> {
    const r = await ownedBy(this.db.updateTable('clinics'), scope)
      .set({ opening_hours: JSON.stringify(hours), updated_at: new Date() })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Soft delete: bookings and favourites elsewhere keep naming the id, but the clinic disappears. */
  async softDelete(id: string, scope: OwnerScope): Promise<boolean> {
    const r = await ownedBy(this.db.updateTable('clinics'), scope)
      .set({ deleted_at: new Date(), published: false, updated_at: new Date() })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * Recomputes what search reads from other rows: the categories and species of active services and
   * the text document (name, service names, description, city; weighted in that order).
   */
  async refreshDerived(id: string): Promise<void> {
    await sql`${DERIVED_UPDATE} where c.id = ${id}`.execute(this.db);
  }

  /** The same for every clinic at once (bulk loads, or after changing how documents are built). */
  async refreshAllDerived(): Promise<void> {
    await sql`${DERIVED_UPDATE} where c.deleted_at is null`.execute(this.db);
  }

  // Photos ---------------------------------------------------------------------------------------

  async photosOf(clinicIds: string[]): Promise<PhotoRecord[]> {
    if (!clinicIds.length) return [];
    const rows = await this.db
      .selectFrom('clinic_photos')
      .select(['id', 'clinic_id', 'position', 'sizes'])
      .where('clinic_id', 'in', clinicIds)
      .orderBy('clinic_id')
      .orderBy('position')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, clinicId: r.clinic_id, position: r.position, sizes: r.sizes }));
  }

  async countPhotos(clinicId: string): Promise<number> {
    const r = await this.db
      .selectFrom('clinic_photos')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('clinic_id', '=', clinicId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async addPhoto(p: { id: string; clinicId: string; sizes: string[] }): Promise<PhotoRecord> {
    const r = await this.db
      .insertInto('clinic_photos')
      .values({
        id: p.id,
        clinic_id: p.clinicId,
        sizes: p.sizes,
        position: sql<number>`coalesce((select max(position) + 1 from clinic_photos
                                        where clinic_id = ${p.clinicId}), 0)`,
        created_at: new Date(),
      })
      .returning(['id', 'clinic_id', 'position', 'sizes'])
      .executeTakeFirstOrThrow();
    return { id: r.id, clinicId: r.clinic_id, position: r.position, sizes: r.sizes };
  }

  async findPhoto(photoId: string): Promise<PhotoRecord | undefined> {
    const r = await this.db
      .selectFrom('clinic_photos')
      .innerJoin('clinics', 'clinics.id', 'clinic_photos.clinic_id')
      .select(['clinic_photos.id', 'clinic_photos.clinic_id', 'clinic_photos.position', 'clinic_photos.sizes'])
      .where('clinic_photos.id', '=', photoId)
      .where('clinics.deleted_at', 'is', null)
      .executeTakeFirst();
    return r && { id: r.id, clinicId: r.clinic_id, position: r.position, sizes: r.sizes };
  }

  async deletePhoto(clinicId: string, photoId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('clinic_photos')
      .where('id', '=', photoId)
      .where('clinic_id', '=', clinicId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
