import type { Request } from 'express';
import { AccessTokenVerifier, ForbiddenError, UnauthorizedError, bearerToken, hasPermission, type Principal } from '@petpro/kit';
import type { Access } from '../routing/route-table.ts';
import type { RevocationList } from './revocations.ts';

/**
 * Applies a route's access rule: public routes pass; others need a valid, unrevoked token, and a role or permission when named.
 * The token itself travels on to the service, which verifies it again: the identity a service
 * trusts is always the signed one, never a header a client could write.
 */
export async function checkAccess(req: Request, access: Access, verifier: AccessTokenVerifier, revocations: RevocationList): Promise<Principal | undefined> {
  const token = bearerToken(req);
  if (access.kind === 'public') {
    // A public route never fails on a token; a valid one still names the caller (per-user limits).
    if (!token) return undefined;
    const p = await verifier.verify(token).catch(() => undefined);
    return p && !revocations.isRevoked(p.sessionId) ? p : undefined;
  }
  if (!token) throw new UnauthorizedError('unauthorized', 'A bearer access token is required');
  const principal = await verifier.verify(token);
  if (revocations.isRevoked(principal.sessionId)) throw new UnauthorizedError('session_revoked', 'This session has been revoked');
  if (access.kind === 'role' && !principal.roles.includes(access.role)) throw new ForbiddenError('forbidden', `This needs the role ${access.role}`);
  if (access.kind === 'permission' && !hasPermission(principal, access.permission)) throw new ForbiddenError('forbidden', `This needs the permission ${access.permission}`);
  return principal;
}
