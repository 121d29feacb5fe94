import type { Request, Response } from 'express';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  AccessTokenVerifier,
  type Principal,
  hasPermission,
  hasRole,
  isAdmin,
  optionalAuth,
  requireAuth,
} from './auth.ts';

async function setup() {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' };
  const revoked = new Set<string>();
  const verifier = new AccessTokenVerifier(async () => ({ keys: [jwk] }), {
    issuer: 'petpro-auth',
    audience: 'petpro',
    isRevoked: (sid) => revoked.has(sid),
  });
  const token = (sid: string) =>
    new SignJWT({ sid, roles: ['pet_owner'] })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setIssuer('petpro-auth')
      .setAudience('petpro')
      .setSubject('user-1')
      .setExpirationTime('10m')
      .sign(privateKey);
  return { verifier, revoked, token };
}

/** Runs a middleware on a bare request with a bearer token; resolves with the request and what reached next(). */
async function run(mw: ReturnType<typeof optionalAuth>, token: string) {
  const req = { headers: { authorization: `Bearer ${token}` } } as Request;
  const err = await new Promise<unknown>((resolve) => void mw(req, {} as Response, resolve));
  return { req, err };
}

describe('optional and required auth', () => {
  // Regression (issue 10): the services' optional auth honoured a revoked session's token on public routes.
  it('treat a revoked session’s token as no token (optional) or refuse it (required), cached or not', async () => {
    const { verifier, revoked, token } = await setup();
    const t = await token('s1');
    expect((await run(optionalAuth(verifier), t)).req.principal?.sessionId).toBe('s1');
    revoked.add('s1');
    const optional = await run(optionalAuth(verifier), t);
    expect(optional.err).toBeUndefined();
    expect(optional.req.principal).toBeUndefined();
    const required = await run(requireAuth(verifier), t);
    expect(required.err).toMatchObject({ status: 401, code: 'session_revoked' });
    // A fresh verification (not the cached one) is refused the same way.
    revoked.add('s2');
    expect((await run(requireAuth(verifier), await token('s2'))).err).toMatchObject({ code: 'session_revoked' });
  });
});

describe('the admin check', () => {
  const who = (roles: string[], permissions: string[] = []) =>
    ({ userId: 'u', sessionId: 's', roles, permissions, token: 't', expiresAt: 0 }) satisfies Principal;

  it('knows admins by the admin role or the * permission, and nobody else', () => {
    expect(isAdmin(who(['pet_owner', 'admin']))).toBe(true);
    expect(isAdmin(who([], ['*']))).toBe(true);
    expect(isAdmin({ roles: ['admin'] })).toBe(true);
    expect(isAdmin(who(['vendor'], ['admin:users']))).toBe(false);
    expect(isAdmin(undefined)).toBe(false);
  });

  it('gives an admin every permission, and a role only to who holds it', () => {
    expect(hasPermission(who(['admin']), 'schedule:manage:own')).toBe(true);
    expect(hasPermission(who(['vendor']), 'schedule:manage:own')).toBe(false);
    expect(hasRole(who(['vendor']), 'vendor')).toBe(true);
    expect(hasRole(who(['vendor']), 'admin')).toBe(false);
  });
});
