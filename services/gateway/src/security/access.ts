import type { IncomingMessage } from 'node:http';
import {
  type AccessTokenVerifier,
  AppError,
  ForbiddenError,
  UnauthorizedError,
  bearerToken,
  hasPermission,
  hasRole,
  type Principal,
} from '@petpro/kit';
import type { Access } from '../routing/route-table.ts';

/** Who the bearer token says the caller is, or why it says nothing. */
export interface Identity {
  /** A token was sent. */
  token?: string;
  principal?: Principal;
  /** Set when a token was sent but is not valid (expired, revoked, bad signature, keys unavailable). */
  error?: AppError;
}

/** No token was sent. */
export const ANONYMOUS: Identity = Object.freeze({});

/**
 * Verifies the bearer token if there is one (the verifier also refuses a revoked session's token),
 * without deciding anything about access.
 */
export async function identify(req: IncomingMessage, verifier: AccessTokenVerifier): Promise<Identity> {
  const token = bearerToken(req);
  if (!token) return ANONYMOUS;
  try {
    return { token, principal: await verifier.verify(token) };
  } catch (err) {
    return {
      token,
      error: err instanceof AppError ? err : new UnauthorizedError('invalid_token', 'The access token is not valid'),
    };
  }
}

/**
 * Applies a route's access rule to an identity: public routes pass (a valid token still names the
 * caller; an invalid or revoked one is dropped before forwarding, see the proxy); others need a
 * valid, unrevoked token, and a role or permission when named. The token itself travels on to the
 * service, which verifies it again: the identity a service trusts is always the signed one, never a
 * header a client could write.
 */
export function authorize(identity: Identity, access: Access): Principal | undefined {
  if (access.kind === 'public') return identity.principal;
  if (!identity.token) throw new UnauthorizedError('unauthorized', 'A bearer access token is required');
  if (identity.error) throw identity.error;
  const principal = identity.principal;
  if (!principal) throw new UnauthorizedError('invalid_token', 'The access token is not valid');
  if (access.kind === 'role' && !hasRole(principal, access.role))
    throw new ForbiddenError('forbidden', `This needs the role ${access.role}`);
  if (access.kind === 'permission' && !hasPermission(principal, access.permission))
    throw new ForbiddenError('forbidden', `This needs the permission ${access.permission}`);
  return principal;
}
