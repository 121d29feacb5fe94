import { ForbiddenError, type Principal } from '@petpro/kit';
import type { ClinicDirectory, ClinicInfo } from '../upstream/clinic.client.ts';
import { assertClinicAction, type ClinicAction, type ClinicRole } from './access.ts';

const REFUSALS: Record<ClinicAction, () => ForbiddenError> = {
  manage_schedule: () =>
    new ForbiddenError('not_clinic_manager', 'Only the clinic’s vendor or an admin can change this'),
  read_schedule: () =>
    new ForbiddenError('not_clinic_member', 'Only the clinic’s vendor, its staff or an admin can see this'),
  read_bookings: () =>
    new ForbiddenError('not_clinic_member', 'Only the clinic’s vendor, its staff or an admin can see this'),
  manage_bookings: () => new ForbiddenError('not_clinic_member', 'Only the clinic can do this'),
};

/** Resolves what a caller may do at a clinic, from fresh clinic data. */
export class ClinicAccess {
  constructor(private readonly clinics: ClinicDirectory) {}

  /** The clinic and the caller's link to it, when the caller may do the action there; else 403. */
  async assert(
    principal: Principal,
    clinicId: string,
    action: ClinicAction,
  ): Promise<{ clinic: ClinicInfo; role: ClinicRole }> {
    const clinic = await this.clinics.clinic(clinicId, { fresh: true });
    return { clinic, role: assertClinicAction(principal, clinic, action, REFUSALS[action]) };
  }
}
