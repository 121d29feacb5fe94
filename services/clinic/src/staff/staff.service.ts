import { v7 as uuidv7 } from 'uuid';
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  isConstraintViolation,
  withTransaction,
  type Logger,
  type Principal,
} from '@petpro/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db.ts';
import type { StaffRecord, StaffRepository } from './staff.repository.ts';
import type { CatalogueRepository } from '../catalogue/catalogue.repository.ts';
import type { ClinicsService } from '../clinics/clinics.service.ts';
import type { AuthClient } from '../shared/auth-client.ts';

export const STAFF_ROLE = 'clinic_staff';

export interface StaffDto {
  id: string;
  clinicId: string;
  name: string;
  role: string;
  serviceIds: string[];
  userId?: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Staff of a clinic: the owner (or an admin) manages them; linking a user account grants `clinic_staff` through the auth service. */
export class StaffService {
  constructor(
    private readonly deps: {
      db: Kysely<DB>;
      staff: StaffRepository;
      catalogue: CatalogueRepository;
      clinicsService: ClinicsService;
      auth: AuthClient;
      log: Logger;
    },
  ) {}

  private toDto(s: StaffRecord, showUser: boolean): StaffDto {
    return {
      id: s.id,
      clinicId: s.clinicId,
      name: s.name,
      role: s.role,
      serviceIds: s.serviceIds,
      ...(showUser ? { userId: s.userId } : {}),
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    };
  }

  /** Staff of a visible clinic; the linked user ids only for the owner and admins. */
  async list(p: Principal | undefined, clinicId: string): Promise<StaffDto[]> {
    const clinic = await this.deps.clinicsService.readable(p, clinicId);
    const manager = this.deps.clinicsService.isManager(p, clinic);
    return (await this.deps.staff.listByClinic(clinicId)).map((s) => this.toDto(s, manager));
  }

  async get(p: Principal | undefined, clinicId: string, staffId: string): Promise<StaffDto> {
    const clinic = await this.deps.clinicsService.readable(p, clinicId);
    const s = await this.deps.staff.findById(clinicId, staffId);
    if (!s) throw new NotFoundError('staff_not_found', 'No such staff member');
    return this.toDto(s, this.deps.clinicsService.isManager(p, clinic));
  }

  private async checkServices(clinicId: string, serviceIds: string[]): Promise<string[]> {
    const unique = [...new Set(serviceIds)];
    const found = await this.deps.catalogue.existingIds(clinicId, unique);
    const unknown = unique.filter((id) => !found.has(id));
    if (unknown.length)
      throw new BadRequestError(
        'unknown_service',
        'Some services are not services of this clinic',
        unknown.map((id) => ({
          field: 'serviceIds',
          message: `${id} is not a service of this clinic`,
          code: 'unknown_service',
        })),
      );
    return unique;
  }

  /**
   * Grants `clinic_staff` before the link is saved: if the auth service is down the request fails
   * (503) with nothing saved, and a retry repeats an idempotent grant.
   */
  private async linkUser(userId: string): Promise<void> {
    const user = await this.deps.auth.getUser(userId);
    if (!user)
      throw new BadRequestError('user_not_found', 'No user has this id', [
        { field: 'userId', message: 'no such user', code: 'user_not_found' },
      ]);
    await this.deps.auth.grantRole(userId, STAFF_ROLE);
  }

  /** Revokes `clinic_staff` when the user is no longer staff anywhere; best effort (the role alone opens no clinic). */
  private async unlinkUser(userId: string): Promise<void> {
    if (await this.deps.staff.isLinkedAnywhere(userId)) return;
    await this.deps.auth
      .revokeRole(userId, STAFF_ROLE)
      .catch((err: unknown) =>
        this.deps.log.warn({ err, userId }, 'could not revoke clinic_staff; the role links to no clinic'),
      );
  }

  async create(
    p: Principal,
    clinicId: string,
    input: { name: string; role: string; serviceIds: string[]; userId?: string | null },
  ): Promise<StaffDto> {
    await this.deps.clinicsService.writable(p, clinicId, 'staff');
    const serviceIds = await this.checkServices(clinicId, input.serviceIds);
    if (input.userId) await this.linkUser(input.userId);
    const id = uuidv7();
    try {
      await withTransaction(this.deps.db, async (trx) => {
        await this.deps.staff.insert(
          { id, clinicId, name: input.name, role: input.role, userId: input.userId ?? null },
          trx,
        );
        await this.deps.staff.setServices(clinicId, id, serviceIds, trx);
      });
    } catch (err) {
      if (isConstraintViolation(err, 'clinic_staff_clinic_user_uq'))
        throw new ConflictError('user_already_staff', 'This user is already a staff member of this clinic');
      throw err;
    }
    return this.toDto((await this.deps.staff.findById(clinicId, id))!, true);
  }

  async update(
    p: Principal,
    clinicId: string,
    staffId: string,
    patch: { name?: string; role?: string; serviceIds?: string[]; userId?: string | null },
  ): Promise<StaffDto> {
    await this.deps.clinicsService.writable(p, clinicId, 'staff');
    const before = await this.deps.staff.findById(clinicId, staffId);
    if (!before) throw new NotFoundError('staff_not_found', 'No such staff member');
    const serviceIds = patch.serviceIds && (await this.checkServices(clinicId, patch.serviceIds));
    if (patch.userId && patch.userId !== before.userId) await this.linkUser(patch.userId);
    try {
      await withTransaction(this.deps.db, async (trx) => {
        const found = await this.deps.staff.update(
          clinicId,
          staffId,
          { name: patch.name, role: patch.role, userId: patch.userId },
          trx,
        );
        if (!found) throw new NotFoundError('staff_not_found', 'No such staff member');
        if (serviceIds) await this.deps.staff.setServices(clinicId, staffId, serviceIds, trx);
      });
    } catch (err) {
      if (isConstraintViolation(err, 'clinic_staff_clinic_user_uq'))
        throw new ConflictError('user_already_staff', 'This user is already a staff member of this clinic');
      throw err;
    }
    if (before.userId && patch.userId !== undefined && patch.userId !== before.userId)
      await this.unlinkUser(before.userId);
    return this.toDto((await this.deps.staff.findById(clinicId, staffId))!, true);
  }

  async remove(p: Principal, clinicId: string, staffId: string): Promise<void> {
    await this.deps.clinicsService.writable(p, clinicId, 'staff');
    const before = await this.deps.staff.findById(clinicId, staffId);
    const removed =
      before && (await withTransaction(this.deps.db, (trx) => this.deps.staff.softDelete(clinicId, staffId, trx)));
    if (!removed) throw new NotFoundError('staff_not_found', 'No such staff member');
    if (before.userId) await this.unlinkUser(before.userId);
  }
}
