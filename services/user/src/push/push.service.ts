import {
  NotFoundError,
  pushEndpointProblem,
  pushKeysProblem,
  ServiceUnavailableError,
  ValidationError,
  type Store,
  type VapidKeys,
} from '@petpro/kit';
import type { PushSubscriptionRecord, PushSubscriptionsRepository } from './push.repository.ts';
import type { PushSubscriptionInput } from './push.schemas.ts';

/** The repositories this feature uses (the service's whole store satisfies it). */
export type PushStore = Store<{ pushSubscriptions: PushSubscriptionsRepository }>;

/** Web Push devices of users: subscribe, unsubscribe, and the list the push channel sends to. */
export class PushService {
  constructor(
    private readonly deps: {
      store: PushStore;
      /** Undefined when VAPID keys are not configured: push is then off (503 `push_not_configured`). */
      vapid: VapidKeys | undefined;
      /** Tests only (PUSH_ALLOW_LOCAL_ENDPOINTS): http and loopback endpoints accepted. */
      allowLocalEndpoints: boolean;
      maxPerUser: number;
    },
  ) {}

  /** The key browsers pass to `pushManager.subscribe({ applicationServerKey })`. */
  vapidPublicKey(): string {
    if (!this.deps.vapid) throw notConfigured();
    return this.deps.vapid.publicKey;
  }

  /**
   * Keeps a device of the user (the same endpoint again refreshes its keys). Past the per-user cap the
   * least recently subscribed device goes: browsers rotate endpoints and a user cannot list old ones.
   */
  async subscribe(
    userId: string,
    input: PushSubscriptionInput,
  ): Promise<{ subscription: PushSubscriptionRecord; created: boolean }> {
    if (!this.deps.vapid) throw notConfigured();
    const endpointProblem = pushEndpointProblem(input.endpoint, this.deps.allowLocalEndpoints);
    if (endpointProblem) throw new ValidationError([{ field: 'endpoint', message: endpointProblem }]);
    const keys = { p256dh: input.keys.p256dh.replace(/=+$/, ''), auth: input.keys.auth.replace(/=+$/, '') };
    const keysProblem = pushKeysProblem(keys);
    if (keysProblem) throw new ValidationError([keysProblem]);
    return this.deps.store.transaction(async (repos) => {
      await repos.pushSubscriptions.lockUser(userId);
      const { record, created } = await repos.pushSubscriptions.upsert(userId, {
        endpoint: input.endpoint,
        ...keys,
        expirationTime: input.expirationTime == null ? null : new Date(input.expirationTime),
      });
      await repos.pushSubscriptions.trimOldest(userId, this.deps.maxPerUser, record.id);
      return { subscription: record, created };
    });
  }

  /** Removes one of the user's devices; 404 when it is not theirs (or already gone). */
  async unsubscribe(userId: string, id: string): Promise<void> {
    if (!(await this.deps.store.repos.pushSubscriptions.remove(userId, id)))
      throw new NotFoundError('push_subscription_not_found', 'No such push subscription');
  }

  /** Every device of the user, for the push channel. */
  listForUser(userId: string): Promise<PushSubscriptionRecord[]> {
    return this.deps.store.repos.pushSubscriptions.listByUser(userId);
  }

  /** Forgets a device the push service said is gone (idempotent). */
  async forget(userId: string, id: string): Promise<void> {
    await this.deps.store.repos.pushSubscriptions.remove(userId, id);
  }
}

const notConfigured = () =>
  new ServiceUnavailableError('push_not_configured', 'Web Push is not configured on this server (no VAPID keys)');
