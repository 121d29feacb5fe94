import type { Principal } from '@petpro/kit';

/** How a caller relates to a clinic: decides what they may read and change. */
export type ClinicRole = 'admin' | 'vendor' | 'staff';

/** The parts of a clinic that decide access. */
export interface ClinicMembership {
  ownerUserId: string;
  staff: ReadonlyArray<{ userId?: string | null }>;
}

/** The caller's role at the clinic, or undefined for everyone else (pet owners, other vendors). */
export function clinicRoleOf(
  principal: Pick<Principal, 'userId' | 'roles'> | undefined,
  clinic: ClinicMembership,
): ClinicRole | undefined {
  if (!principal) return undefined;
  if (principal.roles.includes('admin')) return 'admin';
  if (clinic.ownerUserId === principal.userId) return 'vendor';
  if (clinic.staff.some((s) => s.userId === principal.userId)) return 'staff';
  return undefined;
}

/** Vendors and admins manage a clinic's schedules; its staff only read them. */
export function canManageSchedule(role: ClinicRole | undefined): boolean {
  return role === 'admin' || role === 'vendor';
}
