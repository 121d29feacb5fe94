import { hasPermission, type Principal } from '@petpro/kit';

/** Reviewers of vendor applications: admins, or whoever was given `onboarding:review`. */
export function canReview(p: Principal | undefined): boolean {
  return hasPermission(p, 'onboarding:review');
}
