/**
 * The user service's internal push-subscription endpoints the booking service's push channel calls:
 * a user's Web Push devices (with their keys, which never leave the platform otherwise) and the
 * removal of one the push service answered 404/410 for.
 */
import { z } from '@petpro/kit';

/** GET /internal/users/{userId}/push-subscriptions: every device of the user. */
export const InternalPushSubscriptions = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      endpoint: z.string(),
      keys: z.object({ p256dh: z.string(), auth: z.string() }),
    }),
  ),
});
export type InternalPushSubscriptionsAnswer = z.input<typeof InternalPushSubscriptions>;

/** The path of a user's devices, and of one of them (DELETE, 204 whether or not it was still there). */
export function pushSubscriptionsPath(userId: string, subscriptionId?: string): string {
  const base = `/internal/users/${encodeURIComponent(userId)}/push-subscriptions`;
  return subscriptionId === undefined ? base : `${base}/${encodeURIComponent(subscriptionId)}`;
}
