import { v7 as uuidv7 } from 'uuid';
import { BadRequestError, NotFoundError, type Logger, type Principal } from '@petpro/kit';
import type { StaffRecord } from './staff.repository.ts';
import type { StaffRole } from './staff.schemas.ts';
import type { ClinicsService } from '../clinics/clinics.service.ts';
import type { AuthClient } from '../shared/auth-client.ts';
import type { ClinicStore, Repositories } from '../store.ts';

export const STAFF_ROLE = 'clinic_staff';

/**
 * Staff of a clinic: the owner (or an admin) manages them. A user account is linked only when its
 * owner accepts an invitation (invitations.service.ts), which grants `clinic_staff`; unlinking the
 * last staff entry of an account takes that grant back.
 */
export class StaffService {
  constructor(
    private readonly deps: {
      store: ClinicStore;
      clinicsService: ClinicsService;
      auth: AuthClient;
      log: Logger;
    },
  ) {}

  /** Staff of a visible clinic; `showUser` (the owner and admins) says whether their view shows the linked accounts. */
  async listVisible(p: Principal | undefined, clinicId: string): Promise<{ items: StaffRecord[]; showUser: boolean }> {
    const clinic = await this.deps.clinicsService.readable(p, clinicId);
    const showUser = this.deps.clinicsService.isManager(p, clinic);
    return { items: await this.deps.store.repos.staff.listByClinic(clinicId), showUser };
  }

  async findVisible(
    p: Principal | undefined,
    clinicId: string,
    staffId: string,
  ): Promise<{ staff: StaffRecord; showUser: boolean }> {
    const clinic = await this.deps.clinicsService.readable(p, clinicId);
    const s = await this.deps.store.repos.staff.findById(clinicId, staffId);
    if (!s) throw new NotFoundError('staff_not_found', 'No such staff member');
    return { staff: s, showUser: this.deps.clinicsService.isManager(p, clinic) };
  }

  /** Every live staff member of a clinic, whatever the caller (for other services; the clinic is checked by them). */
  async listOfClinic(clinicId: string): Promise<StaffRecord[]> {
    return this.deps.store.repos.staff.listByClinic(clinicId);
  }

  private async checkServices(clinicId: string, serviceIds: string[]): Promise<string[]> {
    const unique = [...new Set(serviceIds)];
    const found = await this.deps.store.repos.catalogue.existingIds(clinicId, unique);
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
  private async releaseRole(repos: Repositories, userId: string): Promise<void> {
    if (await repos.staff.isLinkedAnywhere(userId)) return;
    await this.deps.auth
      .revokeRole(userId, STAFF_ROLE)
      .catch((err: unknown) =>
        this.deps.log.warn({ err, userId }, 'could not revoke clinic_staff; the role links to no clinic'),
      );
  }

  async create(
    p: Principal,
    clinicId: string,
    input: { name: string; role: StaffRole; serviceIds: string[]; userId?: string | null },
  ): Promise<StaffRecord> {
    await this.deps.clinicsService.writable(p, clinicId, 'staff');
    if (input.userId) throw invitationRequired();
    const serviceIds = await this.checkServices(clinicId, input.serviceIds);
    const id = uuidv7();
    await this.deps.store.transaction(async (repos) => {
      await repos.staff.insert({ id, clinicId, name: input.name, role: input.role });
      await repos.staff.setServices(clinicId, id, serviceIds);
      await repos.events.clinicChanged('clinic.staff.changed', clinicId, { staffIds: [id] });
    });
    return (await this.deps.store.repos.staff.findById(clinicId, id))!;
  }

  /** Changes a staff member; `userId: null` unlinks the account (a user id is refused: that takes an invitation). */
  async update(
    p: Principal,
    clinicId: string,
    staffId: string,
    patch: { name?: string; role?: StaffRole; serviceIds?: string[]; userId?: string | null },
  ): Promise<StaffRecord> {
    await this.deps.clinicsService.writable(p, clinicId, 'staff');
    if (patch.userId) throw invitationRequired();
    const before = await this.deps.store.repos.staff.findById(clinicId, staffId);
    if (!before) throw new NotFoundError('staff_not_found', 'No such staff member');
    const serviceIds = patch.serviceIds && (await this.checkServices(clinicId, patch.serviceIds));
    const unlink = patch.userId === null && before.userId ? before.userId : undefined;
    await this.deps.store.transaction(async (repos) => {
      if (unlink) await repos.staff.lockUser(unlink);
      const found = await repos.staff.update(clinicId, staffId, {
        name: patch.name,
        role: patch.role,
        userId: patch.userId === null ? null : undefined,
      });
      if (!found) throw new NotFoundError('staff_not_found', 'No such staff member');
      if (serviceIds) await repos.staff.setServices(clinicId, staffId, serviceIds);
      if (unlink) await this.releaseRole(repos, unlink);
      await repos.events.clinicChanged('clinic.staff.changed', clinicId, { staffIds: [staffId] });
    });
    return (await this.deps.store.repos.staff.findById(clinicId, staffId))!;
  }

  async remove(p: Principal, clinicId: string, staffId: string): Promise<void> {
    await this.deps.clinicsService.writable(p, clinicId, 'staff');
    const before = await this.deps.store.repos.staff.findById(clinicId, staffId);
    if (!before) throw new NotFoundError('staff_not_found', 'No such staff member');
    await this.deps.store.transaction(async (repos) => {
      if (before.userId) await repos.staff.lockUser(before.userId);
      if (!(await repos.staff.softDelete(clinicId, staffId)))
        throw new NotFoundError('staff_not_found', 'No such staff member');
      if (before.userId) await this.releaseRole(repos, before.userId);
      await repos.events.clinicChanged('clinic.staff.changed', clinicId, { staffIds: [staffId] });
    });
  }
}

function invitationRequired(): BadRequestError {
  return new BadRequestError(
    'invitation_required',
    'A user account is linked to a staff member only by invitation: ' +
      'POST /api/v1/clinics/{id}/staff/{staffId}/invitation',
    [{ field: 'userId', message: 'link accounts by invitation', code: 'invitation_required' }],
  );
}
