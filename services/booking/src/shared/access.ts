import { type AppError, assertPermission, hasPermission, isAdmin, type Principal } from '@petpro/kit';

/** How a caller relates to a clinic: decides what they may read and change. */
export type ClinicRole = 'admin' | 'vendor' | 'staff';

/** The parts of a clinic that decide access. */
export interface ClinicMembership {
  ownerUserId: string;
  staff: ReadonlyArray<{ userId?: string | null }>;
}

/** The caller's link to the clinic, or undefined for everyone else (pet owners, other vendors). */
export function clinicRoleOf(
  principal: Pick<Principal, 'userId' | 'roles'> | undefined,
  clinic: ClinicMembership,
): ClinicRole | undefined {
  if (!principal) return undefined;
  if (isAdmin(principal)) return 'admin';
  if (clinic.ownerUserId === principal.userId) return 'vendor';
  if (clinic.staff.some((s) => s.userId === principal.userId)) return 'staff';
  return undefined;
}

/** Work done for a clinic. */
export type ClinicAction = 'manage_schedule' | 'read_schedule' | 'read_bookings' | 'manage_bookings';

/**
 * The permission each link needs for each action (from the role map in the caller's token); a link
 * missing here cannot do the action at all. The vendor manages the schedule; staff only read it.
 */
export const CLINIC_ACTION_PERMISSIONS: Record<ClinicAction, Partial<Record<'vendor' | 'staff', string>>> = {
  manage_schedule: { vendor: 'schedule:manage:own' },
  read_schedule: { vendor: 'schedule:manage:own', staff: 'schedule:read:clinic' },
  read_bookings: { vendor: 'booking:read:clinic', staff: 'booking:read:clinic' },
  manage_bookings: { vendor: 'booking:manage:clinic', staff: 'booking:manage:clinic' },
};

/** The permission the caller's link needs for the action (the vendor's when there is no link). */
function permissionFor(action: ClinicAction, role: ClinicRole | undefined): string | undefined {
  const needs = CLINIC_ACTION_PERMISSIONS[action];
  return role === 'vendor' || role === 'staff' ? needs[role] : undefined;
}

/** The caller's link when it may do the action at the clinic (link and permission), else undefined. */
export function clinicRoleFor(
  principal: Principal | undefined,
  clinic: ClinicMembership,
  action: ClinicAction,
): ClinicRole | undefined {
  const role = clinicRoleOf(principal, clinic);
  if (role === 'admin') return role;
  const permission = permissionFor(action, role);
  return permission && hasPermission(principal, permission) ? role : undefined;
}

/**
 * The kit's assertPermission for clinic work: the caller needs a link that can do the action (else
 * `notLinked`) and the permission that link needs (else 403 naming it). Returns the link.
 */
export function assertClinicAction(
  principal: Principal,
  clinic: ClinicMembership,
  action: ClinicAction,
  notLinked: () => AppError,
): ClinicRole {
  const role = clinicRoleOf(principal, clinic);
  const permission = permissionFor(action, role);
  assertPermission(principal, permission ?? Object.values(CLINIC_ACTION_PERMISSIONS[action])[0]!, {
    linked: role === 'admin' || permission !== undefined,
    notLinked,
  });
  return role!;
}
