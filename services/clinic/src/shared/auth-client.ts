import { ServiceUnavailableError, type ServiceClient } from '@petpro/kit';
import { InternalUserContact, parseContract, roleGrantPath, type InternalUserContactView } from '@petpro/contracts';

/**
 * The auth service's internal endpoints this service uses, called with the service credential
 * through discovery and the circuit breaker. Failures surface as 503 (ServiceUnavailableError).
 */
export class AuthClient {
  constructor(private readonly client: ServiceClient) {}

  /** A user's contact details and language, or undefined when there is no such user. */
  async getUser(userId: string): Promise<InternalUserContactView | undefined> {
    const res = await this.client.request('auth', { path: `/internal/users/${encodeURIComponent(userId)}` });
    if (res.status === 404) return undefined;
    if (res.status >= 400)
      throw new ServiceUnavailableError('auth_unavailable', `The auth service answered ${res.status}`);
    return parseContract(InternalUserContact, res.body, 'auth');
  }

  /** Grants a role (idempotent on the auth side, so safe to repeat). */
  async grantRole(userId: string, role: string): Promise<void> {
    const res = await this.client.request('auth', {
      method: 'PUT',
      path: roleGrantPath(userId, role),
    });
    if (res.status >= 300)
      throw new ServiceUnavailableError('auth_unavailable', `The auth service refused the role grant (${res.status})`);
  }

  async revokeRole(userId: string, role: string): Promise<void> {
    const res = await this.client.request('auth', {
      method: 'DELETE',
      path: roleGrantPath(userId, role),
    });
    if (res.status >= 300 && res.status !== 404)
      throw new ServiceUnavailableError(
        'auth_unavailable',
        `The auth service refused the role revocation (${res.status})`,
      );
  }
}
