import { v7 as uuidv7 } from 'uuid';
import { BadRequestError, NotFoundError, withTransaction, type Logger, type Principal } from '@petpro/kit';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db.ts';
import type { StaffRecord, StaffRepository } from './staff.repository.ts';
import type { CatalogueRepository } from '../catalogue/catalogue.repository.ts';
import type { ClinicsService } from '../clinics/clinics.service.ts';
import type { AuthClient } from '../shared/auth-client.ts';
import { clinicChanged } from '../events/availability-events.ts';

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

/**
 * Staff of a clinic: the owner (or an admin) manages them. A user account is linked only when its
 * owner accepts an invitation (invitations.service.ts), which grants `clinic_staff`; unlinking the
 * last staff entry of an account takes that grant back.
 */
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

  /** The response shape; `showUser` (the owner, admins, the linked user) adds the linked account's id. */
  toDto(s: StaffRecord, showUser: boolean): StaffDto {
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
   * Takes `clinic_staff` back when the user is linked to no other staff entry, inside the
   * transaction that unlinked them and under the user's lock (see StaffRepository.lockUser). The
   * auth service removes only a grant that came from staff linking, never an admin's. Best effort:
   * the role alone opens no clinic.
   */
  private async releaseRole(userId: string, trx: Transaction<DB>): Promise<void> {
    if (await this.deps.staff.isLinkedAnywhere(userId, trx)) return;
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
    if (input.userId) throw invitationRequired();
    const serviceIds = await this.checkServices(clinicId, input.serviceIds);
    const id = uuidv7();
    await withTransaction(this.deps.db, async (trx) => {
      await this.deps.staff.insert({ id, clinicId, name: input.name, role: input.role }, trx);
      await this.deps.staff.setServices(clinicId, id, serviceIds, trx);
      await clinicChanged(trx, 'clinic.staff.changed', clinicId, { staffIds: [id] });
    });
    return this.toDto((await this.deps.staff.findById(clinicId, id))!, true);
  }

  /** Changes a staff member; `userId: null` unlinks the account (a user id is refused: that takes an invitation). */
  async update(
    p: Principal,
    clinicId: string,
    staffId: string,
    patch: { name?: string; role?: string; serviceIds?: string[]; userId?: string | null },
  ): Promise<StaffDto> {
    await this.deps.clinicsService.writable(p, clinicId, 'staff');
    if (patch.userId) throw invitationRequired();
    const before = await this.deps.staff.findById(clinicId, staffId);
    if (!before) throw new NotFoundError('staff_not_found', 'No such staff member');
    const serviceIds = patch.serviceIds && (await this.checkServices(clinicId, patch.serviceIds));
    const unlink = patch.userId === null && before.userId ? before.userId : undefined;
    await withTransaction(this.deps.db, async (trx) => {
      if (unlink) await this.deps.staff.lockUser(unlink, trx);
      const found = await this.deps.staff.update(
        clinicId,
        staffId,
        { name: patch.name, role: patch.role, userId: patch.userId === null ? null : undefined },
        trx,
      );
      if (!found) throw new NotFoundError('staff_not_found', 'No such staff member');
      if (serviceIds) await this.deps.staff.setServices(clinicId, staffId, serviceIds, trx);
      if (unlink) await this.releaseRole(unlink, trx);
      await clinicChanged(trx, 'clinic.staff.changed', clinicId, { staffIds: [staffId] });
    });
    return this.toDto((await this.deps.staff.findById(clinicId, staffId))!, true);
  }

  async remove(p: Principal, clinicId: string, staffId: string): Promise<void> {
    await this.deps.clinicsService.writable(p, clinicId, 'staff');
    const before = await this.deps.staff.findById(clinicId, staffId);
    if (!before) throw new NotFoundError('staff_not_found', 'No such staff member');
    await withTransaction(this.deps.db, async (trx) => {
      if (before.userId) await this.deps.staff.lockUser(before.userId, trx);
      if (!(await this.deps.staff.softDelete(clinicId, staffId, trx)))
        throw new NotFoundError('staff_not_found', 'No such staff member');
      if (before.userId) await this.releaseRole(before.userId, trx);
      await clinicChanged(trx, 'clinic.staff.changed', clinicId, { staffIds: [staffId] });
    });
  }
}

function invitationRequired(): BadRequestError {
  return new BadRequestError(
    'invitation_required',
    'A user account is linked to a staff member only by invitation: POST /api/v1/clinics/{id}/staff/{staffId}/invitation',
    [{ field: 'userId', message: 'link accounts by invitation', code: 'invitation_required' }],
  );
}
