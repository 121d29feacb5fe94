import { sql, type Kysely, type Selectable } from 'kysely';
import type { ClinicStaffTable, DB } from '../db.ts';
import type { StaffRole } from './staff.schemas.ts';

export interface StaffRecord {
  id: string;
  clinicId: string;
  name: string;
  role: StaffRole;
  userId: string | null;
  serviceIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

const columns = ['id', 'clinic_id', 'name', 'role', 'user_id', 'created_at', 'updated_at'] as const;
type Row = Pick<Selectable<ClinicStaffTable>, (typeof columns)[number]>;

function toStaff(r: Row, serviceIds: string[]): StaffRecord {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    name: r.name,
    // Written only through the StaffSchema role enum.
    role: r.role as StaffRole,
    userId: r.user_id,
    serviceIds,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The only SQL for clinic staff and the services each can perform. */
export class StaffRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Live services each staff member is linked to. */
  private async serviceIdsFor(staffIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (!staffIds.length) return out;
    const rows = await this.db
      .selectFrom('staff_services')
      .innerJoin('clinic_services', 'clinic_services.id', 'staff_services.service_id')
      .select(['staff_services.staff_id', 'staff_services.service_id'])
      .where('staff_services.staff_id', 'in', staffIds)
      .where('clinic_services.deleted_at', 'is', null)
      .orderBy('staff_services.service_id')
      .execute();
    for (const r of rows) out.set(r.staff_id, [...(out.get(r.staff_id) ?? []), r.service_id]);
    return out;
  }

  async findById(clinicId: string, id: string): Promise<StaffRecord | undefined> {
    const r = await this.db
      .selectFrom('clinic_staff')
      .select(columns)
      .where('id', '=', id)
      .where('clinic_id', '=', clinicId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!r) return undefined;
    return toStaff(r, (await this.serviceIdsFor([r.id])).get(r.id) ?? []);
  }

  /** Every live staff member of a clinic, by name (clinics have tens, not thousands). */
  async listByClinic(clinicId: string): Promise<StaffRecord[]> {
    const rows = await this.db
      .selectFrom('clinic_staff')
      .select(columns)
      .where('clinic_id', '=', clinicId)
      .where('deleted_at', 'is', null)
      .orderBy('name')
      .orderBy('id')
      .execute();
    const services = await this.serviceIdsFor(rows.map((r) => r.id));
    return rows.map((r) => toStaff(r, services.get(r.id) ?? []));
  }

  async insert(s: { id: string; clinicId: string; name: string; role: string }): Promise<void> {
    await this.db
      .insertInto('clinic_staff')
      .values({
        id: s.id,
        clinic_id: s.clinicId,
        name: s.name,
        role: s.role,
        user_id: null,
        created_at: new Date(),
        updated_at: new Date(),
      })
      .execute();
  }

  async update(clinicId: string, id: string, patch: { name?: string; role?: string; userId?: null }): Promise<boolean> {
    const r = await this.db
      .updateTable('clinic_staff')
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.role !== undefined && { role: patch.role }),
        ...(patch.userId !== undefined && { user_id: patch.userId }),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .where('clinic_id', '=', clinicId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Replaces the services a staff member of the clinic performs (the foreign keys keep both in that clinic). */
  async setServices(clinicId: string, staffId: string, serviceIds: string[]): Promise<void> {
    await this.db
      .deleteFrom('staff_services')
      .where('clinic_id', '=', clinicId)
      .where('staff_id', '=', staffId)
      .execute();
    if (serviceIds.length)
      await this.db
        .insertInto('staff_services')
        .values(serviceIds.map((service_id) => ({ clinic_id: clinicId, staff_id: staffId, service_id })))
        .execute();
  }

  /** Soft delete and unlink from services; false (and nothing written) when the clinic has no such staff member. */
  async softDelete(clinicId: string, id: string): Promise<boolean> {
    const r = await this.db
      .updateTable('clinic_staff')
      .set({ deleted_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .where('clinic_id', '=', clinicId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await this.db.deleteFrom('staff_services').where('clinic_id', '=', clinicId).where('staff_id', '=', id).execute();
    return true;
  }

  /**
   * Serialises staff links and unlinks of one user account (until the transaction ends), so that
   * "is this user still staff anywhere?" and the role grant or revocation that follows cannot race.
   */
  async lockUser(userId: string): Promise<void> {
    // Held until the transaction ends: only meaningful on repositories that store.transaction hands over.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`clinic-staff-user:${userId}`}, 0))`.execute(this.db);
  }

  /** Links a user account to an unlinked staff entry of the clinic; false when the entry is gone or already linked. */
  async linkUser(clinicId: string, id: string, userId: string): Promise<boolean> {
    const r = await this.db
      .updateTable('clinic_staff')
      .set({ user_id: userId, updated_at: new Date() })
      .where('id', '=', id)
      .where('clinic_id', '=', clinicId)
      .where('deleted_at', 'is', null)
      .where('user_id', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Whether the user is still linked as staff anywhere (decides whether `clinic_staff` may be revoked). */
  async isLinkedAnywhere(userId: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('clinic_staff')
      .select('id')
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .limit(1)
      .executeTakeFirst();
    return !!r;
  }
}
