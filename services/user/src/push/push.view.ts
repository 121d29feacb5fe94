import type { InternalPushSubscriptionsAnswer } from '@petpro/contracts';
import type { PushSubscriptionRecord } from './push.repository.ts';
import type { PushSubscriptionView } from './push.schemas.ts';

/** What the owner sees of a device: never its keys. */
export function toPushSubscriptionView(s: PushSubscriptionRecord): PushSubscriptionView {
  return {
    id: s.id,
    endpoint: s.endpoint,
    expirationTime: s.expirationTime ? s.expirationTime.getTime() : null,
    createdAt: s.createdAt.toISOString(),
  };
}

/** What the booking service's push channel needs to encrypt for each device. */
export function toInternalPushSubscriptions(list: PushSubscriptionRecord[]): InternalPushSubscriptionsAnswer {
  return { items: list.map((s) => ({ id: s.id, endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } })) };
}
