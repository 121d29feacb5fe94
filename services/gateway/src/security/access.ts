import type { Request, RequestHandler } from 'express';
import {
  type AccessTokenVerifier,
  AppError,
  ForbiddenError,
  UnauthorizedError,
  bearerToken,
  hasPermission,
  type Principal,
} from '@petpro/kit';
import type { Access } from '../routing/route-table.ts';
import type { RevocationList } from './revocations.ts';

/** Who the bearer token says the caller is, or why it says nothing. */
export interface Identity {
  principal?: Principal;
  /** Set when a token was sent but is not valid (expired, revoked, bad signature, keys unavailable). */
  error?: AppError;
}

declare module 'express-serve-static-core' {
  interface Request {
    identity?: Identity;
  }
}

/** Verifies the bearer token if there is one, without deciding anything about access. */
export async function identify(
  req: Request,
  verifier: AccessTokenVerifier,
  revocations: RevocationList,
): Promise<Identity> {
  const token = bearerToken(req);
  if (!token) return {};
  try {
    const principal = await verifier.verify(token);
    if (revocations.isRevoked(principal.sessionId))
      return { error: new UnauthorizedError('session_revoked', 'This session has been revoked') };
    return { principal };
  } catch (err) {
    return {
      error: err instanceof AppError ? err : new UnauthorizedError('invalid_token', 'The access token is not valid'),
    };
  }
}

/**
 * Sets `req.identity` before rate limiting, so that an authenticated caller is counted as a user
 * and an anonymous one (or one with a bad token) by its IP.
 */
export function identifyCaller(verifier: AccessTokenVerifier, revocations: RevocationList): RequestHandler {
  return async (req, _res, next) => {
    req.identity = await identify(req, verifier, revocations);
    next();
  };
}

/**
 * Applies a route's access rule to an identity: public routes pass (a valid token still names the
 * caller); others need a valid, unrevoked token, and a role or permission when named.
 * The token itself travels on to the service, which verifies it again: the identity a service
 * trusts is always the signed one, never a header a client could write.
 */
export function authorize(identity: Identity, access: Access, hadToken: boolean): Principal | undefined {
  if (access.kind === 'public') return identity.principal;
  if (!hadToken) throw new UnauthorizedError('unauthorized', 'A bearer access token is required');
  if (identity.error) throw identity.error;
  const principal = identity.principal;
  if (!principal) throw new UnauthorizedError('invalid_token', 'The access token is not valid');
  if (access.kind === 'role' && !principal.roles.includes(access.role))
    throw new ForbiddenError('forbidden', `This needs the role ${access.role}`);
  if (access.kind === 'permission' && !hasPermission(principal, access.permission))
    throw new ForbiddenError('forbidden', `This needs the permission ${access.permission}`);
  return principal;
}

/** Identifies (unless already done for this request) and authorizes in one step. */
export async function checkAccess(
  req: Request,
  access: Access,
  verifier: AccessTokenVerifier,
  revocations: RevocationList,
): Promise<Principal | undefined> {
  req.identity ??= await identify(req, verifier, revocations);
  return authorize(req.identity, access, bearerToken(req) !== undefined);
}
