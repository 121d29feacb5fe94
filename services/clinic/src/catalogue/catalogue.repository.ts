import { sql, type Kysely, type Selectable } from 'kysely';
import type { ClinicServicesTable, DB } from '../db.ts';
import type { Category } from '../shared/schemas.ts';

/** A service's editable fields. */
export interface ServiceFields {
  name: string;
  category: Category;
  description: string;
  price: { amount: number; currency: string };
  durationMinutes: number;
  bufferMinutes: number;
  species: string[];
  active: boolean;
}

/** A service as stored, with the staff qualified to perform it. */
export interface ServiceRecord extends ServiceFields {
  id: string;
  clinicId: string;
  qualifiedStaffIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

const columns = [
  'id',
  'clinic_id',
  'name',
  'category',
  'description',
  'price_amount',
  'currency',
  'duration_minutes',
  'buffer_minutes',
  'species',
  'active',
  'created_at',
  'updated_at',
] as const;
type Row = Pick<Selectable<ClinicServicesTable>, (typeof columns)[number]>;

function toService(r: Row, staffIds: string[]): ServiceRecord {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    name: r.name,
    // Written only through categoryField.
    category: r.category as Category,
    description: r.description,
    price: { amount: Number(r.price_amount), currency: r.currency },
    durationMinutes: r.duration_minutes,
    bufferMinutes: r.buffer_minutes,
    species: r.species,
    active: r.active,
    qualifiedStaffIds: staffIds,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function columnsOf(f: Partial<ServiceFields>) {
  return {
    ...(f.name !== undefined && { name: f.name }),
    ...(f.category !== undefined && { category: f.category }),
    ...(f.description !== undefined && { description: f.description }),
    ...(f.price !== undefined && { price_amount: f.price.amount, currency: f.price.currency }),
    ...(f.durationMinutes !== undefined && { duration_minutes: f.durationMinutes }),
    ...(f.bufferMinutes !== undefined && { buffer_minutes: f.bufferMinutes }),
    ...(f.species !== undefined && { species: f.species }),
    ...(f.active !== undefined && { active: f.active }),
  };
}

/** The only SQL for the service catalogue. */
export class CatalogueRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Live staff qualified for each service. */
  private async staffIdsFor(serviceIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (!serviceIds.length) return out;
    const rows = await this.db
      .selectFrom('staff_services')
      .innerJoin('clinic_staff', 'clinic_staff.id', 'staff_services.staff_id')
      .select(['staff_services.service_id', 'staff_services.staff_id'])
      .where('staff_services.service_id', 'in', serviceIds)
      .where('clinic_staff.deleted_at', 'is', null)
      .orderBy('staff_services.staff_id')
      .execute();
    for (const r of rows) out.set(r.service_id, [...(out.get(r.service_id) ?? []), r.staff_id]);
    return out;
  }

  async findById(clinicId: string, id: string): Promise<ServiceRecord | undefined> {
    const r = await this.db
      .selectFrom('clinic_services')
      .select(columns)
      .where('id', '=', id)
      .where('clinic_id', '=', clinicId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!r) return undefined;
    return toService(r, (await this.staffIdsFor([r.id])).get(r.id) ?? []);
  }

  /** Up to `limit + 1` of a clinic's services by name (then id) after `after`; only active ones, one category. */
  async listPage(
    clinicId: string,
    opts: { activeOnly: boolean; category?: string; after?: { name: string; id: string }; limit: number },
  ): Promise<ServiceRecord[]> {
    let q = this.db
      .selectFrom('clinic_services')
      .select(columns)
      .where('clinic_id', '=', clinicId)
      .where('deleted_at', 'is', null);
    if (opts.activeOnly) q = q.where('active', '=', true);
    if (opts.category) q = q.where('category', '=', opts.category);
    if (opts.after) q = q.where(sql<boolean>`(name, id) > (${opts.after.name}, ${opts.after.id}::uuid)`);
    const rows = await q
      .orderBy('name')
      .orderBy('id')
      .limit(opts.limit + 1)
      .execute();
    const staff = await this.staffIdsFor(rows.map((r) => r.id));
    return rows.map((r) => toService(r, staff.get(r.id) ?? []));
  }

  /** Which of `ids` are live services of the clinic. */
  async existingIds(clinicId: string, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await this.db
      .selectFrom('clinic_services')
      .select('id')
      .where('clinic_id', '=', clinicId)
      .where('id', 'in', ids)
      .where('deleted_at', 'is', null)
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  async insert(clinicId: string, id: string, f: ServiceFields): Promise<void> {
    await this.db
      .insertInto('clinic_services')
      .values({
        id,
        clinic_id: clinicId,
        ...columnsOf(f),
        name: f.name,
        category: f.category,
        price_amount: f.price.amount,
        duration_minutes: f.durationMinutes,
        created_at: new Date(),
        updated_at: new Date(),
      })
      .execute();
  }

  async update(clinicId: string, id: string, patch: Partial<ServiceFields>): Promise<boolean> {
    const r = await this.db
      .updateTable('clinic_services')
      .set({ ...columnsOf(patch), updated_at: new Date() })
      .where('id', '=', id)
      .where('clinic_id', '=', clinicId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * Soft delete (bookings keep naming the id) and unlink it from staff; false (and nothing written) when the clinic has
   * no such service.
   */
  async softDelete(clinicId: string, id: string): Promise<boolean> {
    const r = await this.db
      .updateTable('clinic_services')
      .set({ deleted_at: new Date(), active: false, updated_at: new Date() })
      .where('id', '=', id)
      .where('clinic_id', '=', clinicId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await this.db.deleteFrom('staff_services').where('clinic_id', '=', clinicId).where('service_id', '=', id).execute();
    return true;
  }
}
