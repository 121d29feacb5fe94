import { ServiceUnavailableError, type ServiceClient } from '@petpro/kit';

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  language: 'id' | 'en';
  emailVerified: boolean;
}

/**
 * The auth service's internal endpoints this service uses, called with the service credential
 * through discovery and the circuit breaker. Failures surface as 503 (ServiceUnavailableError).
 */
export class AuthClient {
  constructor(private readonly client: ServiceClient) {}

  /** A user's contact details and language, or undefined when there is no such user. */
  async getUser(userId: string): Promise<AuthUser | undefined> {
    const res = await this.client.request<AuthUser>('auth', { path: `/internal/users/${encodeURIComponent(userId)}` });
    if (res.status === 404) return undefined;
    if (res.status >= 400)
      throw new ServiceUnavailableError('auth_unavailable', `The auth service answered ${res.status}`);
    return res.body;
  }

  /** Grants a role (idempotent on the auth side, so safe to repeat). */
  async grantRole(userId: string, role: string): Promise<void> {
    const res = await this.client.request('auth', {
      method: 'PUT',
      path: `/internal/users/${encodeURIComponent(userId)}/roles/${encodeURIComponent(role)}`,
    });
    if (res.status >= 300)
      throw new ServiceUnavailableError('auth_unavailable', `The auth service refused the role grant (${res.status})`);
  }

  async revokeRole(userId: string, role: string): Promise<void> {
    const res = await this.client.request('auth', {
      method: 'DELETE',
      path: `/internal/users/${encodeURIComponent(userId)}/roles/${encodeURIComponent(role)}`,
    });
    if (res.status >= 300 && res.status !== 404)
      throw new ServiceUnavailableError(
        'auth_unavailable',
        `The auth service refused the role revocation (${res.status})`,
      );
  }
}
