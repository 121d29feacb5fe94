import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import { createLocalJWKSet, jwtVerify, SignJWT, errors as joseErrors, type JSONWebKeySet, type JWTPayload } from 'jose';
import { ForbiddenError, UnauthorizedError } from './errors.ts';

/** Verified tokens kept in memory at most (cleared past it: 10,000 users within one token lifetime). */
const MAX_VERIFIED_TOKENS = 10_000;

/** Algorithm of access tokens, pinned everywhere they are verified. */
export const ACCESS_TOKEN_ALG = 'EdDSA';
const SERVICE_TOKEN_ALG = 'HS256';
const SERVICE_ISSUER = 'petpro-service';
const SERVICE_AUDIENCE = 'petpro-internal';
export const SERVICE_TOKEN_HEADER = 'x-service-token';

/** The verified caller of a request. */
export interface Principal {
  userId: string;
  sessionId: string;
  roles: string[];
  permissions: string[];
  email?: string;
  token: string;
  expiresAt: number;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    callerService?: string;
  }
}

export interface AccessClaims extends JWTPayload {
  sid: string;
  roles: string[];
  perms?: string[];
  email?: string;
}

export interface VerifierOptions {
  issuer: string;
  audience: string;
  refetchAfterMs?: number;
  minRefetchGapMs?: number;
  /**
   * Sessions revoked before their tokens expire (a RevocationList, or the auth service's database):
   * a token of such a session is refused with 401 `session_revoked` by requireAuth and ignored by
   * optionalAuth, like an invalid one.
   */
  isRevoked?: (sessionId: string) => boolean | Promise<boolean>;
}

/**
 * Verifies access tokens against the auth service's JWKS: cached, refetched when a token names an
 * unknown `kid` (a key rotation), with algorithm, issuer and audience pinned, and refused when the
 * token's session has been revoked.
 */
export class AccessTokenVerifier {
  private keys?: ReturnType<typeof createLocalJWKSet>;
  private fetchedAt = 0;
  private inflight?: Promise<void>;
  /**
   * Tokens already verified, until they expire: a signature check costs far more than the request
   * it guards, and a token's claims never change. Revocation is still asked on every use.
   */
  private readonly verified = new Map<string, Principal>();

  constructor(
    private readonly fetchJwks: () => Promise<JSONWebKeySet>,
    private readonly opts: VerifierOptions,
  ) {}

  private async refresh(): Promise<void> {
    this.inflight ??= (async () => {
      try {
        const set = await this.fetchJwks();
        this.keys = createLocalJWKSet(set);
        this.fetchedAt = Date.now();
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  async verify(token: string): Promise<Principal> {
    const known = this.verified.get(token);
    if (known !== undefined && known.expiresAt > Date.now()) {
      if (this.opts.isRevoked && (await this.opts.isRevoked(known.sessionId)))
        throw new UnauthorizedError('session_revoked', 'This session has been revoked');
      return known;
    }
    const principal = await this.verifyAnew(token);
    if (this.verified.size >= MAX_VERIFIED_TOKENS) this.verified.clear();
    this.verified.set(token, principal);
    if (this.opts.isRevoked && (await this.opts.isRevoked(principal.sessionId)))
      throw new UnauthorizedError('session_revoked', 'This session has been revoked');
    return principal;
  }

  private async verifyAnew(token: string): Promise<Principal> {
    if (!this.keys || Date.now() - this.fetchedAt > (this.opts.refetchAfterMs ?? 10 * 60_000)) {
      await this.refresh().catch(() => {});
    }
    if (!this.keys) throw new UnauthorizedError('auth_unavailable', 'Token keys are not available yet');
    const options = { algorithms: [ACCESS_TOKEN_ALG], issuer: this.opts.issuer, audience: this.opts.audience };
    let result: Awaited<ReturnType<typeof jwtVerify<AccessClaims>>>;
    try {
      result = await jwtVerify<AccessClaims>(token, this.keys, options);
    } catch (err) {
      if (
        err instanceof joseErrors.JWKSNoMatchingKey &&
        Date.now() - this.fetchedAt > (this.opts.minRefetchGapMs ?? 2_000)
      ) {
        await this.refresh().catch(() => {});
        try {
          result = await jwtVerify<AccessClaims>(token, this.keys, options);
        } catch {
          throw new UnauthorizedError('invalid_token', 'The access token is not valid');
        }
      } else if (err instanceof joseErrors.JWTExpired) {
        throw new UnauthorizedError('token_expired', 'The access token has expired');
      } else {
        throw new UnauthorizedError('invalid_token', 'The access token is not valid');
      }
    }
    const p = result.payload;
    if (typeof p.sub !== 'string' || typeof p.sid !== 'string' || !Array.isArray(p.roles)) {
      throw new UnauthorizedError('invalid_token', 'The access token is not valid');
    }
    return {
      userId: p.sub,
      sessionId: p.sid,
      roles: p.roles.map(String),
      permissions: Array.isArray(p.perms) ? p.perms.map(String) : [],
      email: typeof p.email === 'string' ? p.email : undefined,
      token,
      expiresAt: (p.exp ?? 0) * 1000,
    };
  }
}

/** The bearer token of a request, if any. */
export function bearerToken(req: { headers: IncomingHttpHeaders }): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(h.trim());
  return m?.[1];
}

/**
 * Sets `req.principal` when a valid token of a session that is not revoked is present; refuses the
 * request with 401 otherwise.
 */
export function requireAuth(verifier: AccessTokenVerifier): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerToken(req);
    if (!token) return next(new UnauthorizedError('unauthorized', 'A bearer access token is required'));
    try {
      req.principal = await verifier.verify(token);
      next();
    } catch (err) {
      next(err);
    }
  };
}

/**
 * For public routes that show more to a known caller: a valid token sets `req.principal`; no token,
 * or an expired, invalid or revoked one, leaves the request anonymous (a stale token never breaks a
 * public read, and a revoked one never names its user).
 */
export function optionalAuth(verifier: AccessTokenVerifier): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerToken(req);
    if (token) req.principal = await verifier.verify(token).catch(() => undefined);
    next();
  };
}

/** True when the principal holds the permission (directly, or as an admin). */
export function hasPermission(p: Principal | undefined, permission: string): boolean {
  if (!p) return false;
  return p.permissions.includes(permission) || p.permissions.includes('*') || p.roles.includes('admin');
}

/** 403 unless the principal holds `permission`. Use after requireAuth. */
export function requirePermission(permission: string): RequestHandler {
  return (req, _res, next) => {
    if (!req.principal) return next(new UnauthorizedError());
    if (!hasPermission(req.principal, permission))
      return next(new ForbiddenError('forbidden', `This needs the permission ${permission}`));
    next();
  };
}

/** 403 unless the principal has one of the roles. Use after requireAuth. */
export function requireRole(...roles: string[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.principal) return next(new UnauthorizedError());
    if (!roles.some((r) => req.principal!.roles.includes(r)))
      return next(new ForbiddenError('forbidden', `This needs one of the roles ${roles.join(', ')}`));
    next();
  };
}

/** Signs and verifies the short-lived credential services present to each other. */
export class ServiceCredentials {
  private readonly key: Uint8Array;
  private cached?: { token: string; until: number };

  constructor(
    secret: string,
    private readonly serviceName: string,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /** A token for this service, reused until a minute before it expires. */
  async token(): Promise<string> {
    const now = Date.now();
    if (this.cached && this.cached.until > now) return this.cached.token;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: SERVICE_TOKEN_ALG })
      .setIssuer(SERVICE_ISSUER)
      .setAudience(SERVICE_AUDIENCE)
      .setSubject(this.serviceName)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(this.key);
    this.cached = { token, until: now + 4 * 60_000 };
    return token;
  }

  /** The calling service's name, or throws 401. */
  async verify(token: string | undefined): Promise<string> {
    if (!token) throw new UnauthorizedError('service_credential_required', 'A service credential is required');
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [SERVICE_TOKEN_ALG],
        issuer: SERVICE_ISSUER,
        audience: SERVICE_AUDIENCE,
      });
      if (typeof payload.sub !== 'string') throw new Error('no subject');
      return payload.sub;
    } catch {
      throw new UnauthorizedError('invalid_service_credential', 'The service credential is not valid');
    }
  }

  /** Middleware for internal endpoints: only other PetPro services (optionally only the named ones). */
  require(...allowed: string[]): RequestHandler {
    return async (req, _res, next) => {
      try {
        const header = req.headers[SERVICE_TOKEN_HEADER];
        const name = await this.verify(Array.isArray(header) ? header[0] : header);
        if (allowed.length && !allowed.includes(name))
          throw new ForbiddenError('forbidden', 'This service may not call this endpoint');
        req.callerService = name;
        next();
      } catch (err) {
        next(err);
      }
    };
  }
}
