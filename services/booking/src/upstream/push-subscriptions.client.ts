import { AppError, UpstreamHttpError, type PushSubscriptionSource, type ServiceClient } from '@petpro/kit';
import { InternalPushSubscriptions, parseContract, pushSubscriptionsPath } from '@petpro/contracts';

/** A user's Web Push devices, from the user service (the push channel's PushSubscriptionSource). */
export class PushSubscriptionDirectory implements PushSubscriptionSource {
  constructor(private readonly client: ServiceClient) {}

  async listForUser(userId: string) {
    let body: unknown;
    try {
      body = await this.client.json<unknown>('user', { path: pushSubscriptionsPath(userId) });
    } catch (err) {
      if (err instanceof UpstreamHttpError)
        throw new AppError(502, 'upstream_error', `The user service answered ${err.status}`);
      throw err;
    }
    return parseContract(InternalPushSubscriptions, body, 'user').items;
  }

  async remove(userId: string, subscriptionId: string): Promise<void> {
    const res = await this.client.request('user', {
      method: 'DELETE',
      path: pushSubscriptionsPath(userId, subscriptionId),
    });
    if (res.status !== 204) throw new AppError(502, 'upstream_error', `The user service answered ${res.status}`);
  }
}
