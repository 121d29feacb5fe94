import type { Principal } from '@petpro/kit';

/** Platform administrators act on any clinic and application. */
export function isAdmin(p: Principal | undefined): boolean {
  return !!p && (p.roles.includes('admin') || p.permissions.includes('*'));
}

/** Reviewers of vendor applications: admins, or whoever was given `onboarding:review`. */
export function canReview(p: Principal | undefined): boolean {
  return isAdmin(p) || (!!p && p.permissions.includes('onboarding:review'));
}
