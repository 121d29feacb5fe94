import { ForbiddenError, type Principal } from '@petpro/kit';
import type { ClinicDirectory, ClinicInfo } from '../upstream/clinic.client.ts';
import { canManageSchedule, clinicRoleOf, type ClinicRole } from './access.ts';

/** Resolves what a caller may do at a clinic, from fresh clinic data. */
export class ClinicAccess {
  constructor(private readonly clinics: ClinicDirectory) {}

  /** The clinic, when the caller is its vendor or an admin; else 403. */
  async toManage(
    principal: Principal,
    clinicId: string,
    requestId?: string,
  ): Promise<{ clinic: ClinicInfo; role: ClinicRole }> {
    const clinic = await this.clinics.clinic(clinicId, { fresh: true, requestId });
    const role = clinicRoleOf(principal, clinic);
    if (!canManageSchedule(role))
      throw new ForbiddenError('not_clinic_manager', 'Only the clinic’s vendor or an admin can change this');
    return { clinic, role: role! };
  }

  /** The clinic, when the caller is its vendor, one of its staff or an admin; else 403. */
  async toRead(
    principal: Principal,
    clinicId: string,
    requestId?: string,
  ): Promise<{ clinic: ClinicInfo; role: ClinicRole }> {
    const clinic = await this.clinics.clinic(clinicId, { fresh: true, requestId });
    const role = clinicRoleOf(principal, clinic);
    if (!role)
      throw new ForbiddenError('not_clinic_member', 'Only the clinic’s vendor, its staff or an admin can see this');
    return { clinic, role };
  }
}
