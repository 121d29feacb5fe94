import { hkdfSync } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler } from 'express';
import {
  createLocalJWKSet,
  decodeJwt,
  jwtVerify,
  SignJWT,
  errors as joseErrors,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import { type AppError, ForbiddenError, UnauthorizedError } from './errors.ts';

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
    callerService?: ServiceCaller;
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

/** The role of platform administrators. */
export const ADMIN_ROLE = 'admin';

/** True when the principal holds the role. */
export function hasRole(p: Pick<Principal, 'roles'> | undefined, role: string): boolean {
  return !!p && p.roles.includes(role);
}

/**
 * True for platform administrators (the `admin` role, or the `*` permission): the one admin check of
 * every service.
 */
export function isAdmin(p: (Pick<Principal, 'roles'> & { permissions?: readonly string[] }) | undefined): boolean {
  return hasRole(p, ADMIN_ROLE) || !!p?.permissions?.includes('*');
}

/** True when the principal holds the permission (directly, or as an admin). */
export function hasPermission(p: Principal | undefined, permission: string): boolean {
  if (!p) return false;
  return p.permissions.includes(permission) || isAdmin(p);
}

/**
 * The one authorization check of every service: the caller must hold `permission` (from the role map
 * in their token) AND be linked to the resource (`linked`: owns it, works at it), unless they are an
 * admin. A missing link is refused first with `notLinked` (say, 404 to hide the resource, or a 403
 * naming the link); a missing permission with 403 `forbidden` naming it. So a vendor whose role was
 * withdrawn keeps the link but loses the permission, and a stranger with the permission has no link.
 */
export function assertPermission(
  p: Principal | undefined,
  permission: string,
  opts: { linked?: boolean; notLinked?: () => AppError } = {},
): asserts p is Principal {
  if (!p) throw new UnauthorizedError();
  if (isAdmin(p)) return;
  if (opts.linked === false)
    throw opts.notLinked?.() ?? new ForbiddenError('forbidden', 'You are not allowed to do this here');
  if (!hasPermission(p, permission)) throw new ForbiddenError('forbidden', `This needs the permission ${permission}`);
}

/** assertPermission as middleware, for routes whose resource is the caller's own (scoped by the query). */
export function requirePermission(permission: string): RequestHandler {
  return (req, _res, next) => {
    try {
      assertPermission(req.principal, permission);
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** 403 unless the principal has one of the roles. Use after requireAuth. */
export function requireRole(...roles: string[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.principal) return next(new UnauthorizedError());
    if (!roles.some((r) => hasRole(req.principal, r)))
      return next(new ForbiddenError('forbidden', `This needs one of the roles ${roles.join(', ')}`));
    next();
  };
}

/** Every process that may present a service credential (`ops`: an operator's script, for maintenance endpoints). */
export const SERVICE_CALLERS = ['gateway', 'auth', 'user', 'clinic', 'booking', 'ops'] as const;
export type ServiceCaller = (typeof SERVICE_CALLERS)[number];

/**
 * The HS256 key of one service, derived from SERVICE_SECRET with HKDF-SHA256 (the service name as
 * `info`). Each service signs with its own key and verifiers derive the key of the caller a token
 * names, so a leaked derived key speaks only for its own service (the secret itself speaks for all).
 */
export function deriveServiceKey(secret: string, service: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, 'petpro-service-credential-v1', `service:${service}`, 32));
}

/** Signs and verifies the short-lived credential services present to each other. */
export class ServiceCredentials {
  private readonly keys = new Map<string, Uint8Array>();
  private cached?: { token: string; until: number };

  constructor(
    private readonly secret: string,
    private readonly serviceName: string,
  ) {}

  private keyOf(service: string): Uint8Array {
    let key = this.keys.get(service);
    if (!key) this.keys.set(service, (key = deriveServiceKey(this.secret, service)));
    return key;
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
      .sign(this.keyOf(this.serviceName));
    this.cached = { token, until: now + 4 * 60_000 };
    return token;
  }

  /** The calling service's name, or throws 401: the token must verify with the key of the service it names. */
  async verify(token: string | undefined): Promise<ServiceCaller> {
    if (!token) throw new UnauthorizedError('service_credential_required', 'A service credential is required');
    try {
      // The claimed caller picks the key; a token signed with another service's key fails verification.
      const claimed = decodeJwt(token).sub;
      if (!SERVICE_CALLERS.includes(claimed as ServiceCaller)) throw new Error('unknown service');
      const { payload } = await jwtVerify(token, this.keyOf(claimed!), {
        algorithms: [SERVICE_TOKEN_ALG],
        issuer: SERVICE_ISSUER,
        audience: SERVICE_AUDIENCE,
        subject: claimed,
        requiredClaims: ['exp', 'iat'],
      });
      return payload.sub as ServiceCaller;
    } catch {
      throw new UnauthorizedError('invalid_service_credential', 'The service credential is not valid');
    }
  }

  /**
   * Middleware for one internal endpoint: only the named services may call it (every internal route
   * names its callers; there is no "any service").
   */
  require(...allowed: [ServiceCaller, ...ServiceCaller[]]): RequestHandler {
    return async (req, _res, next) => {
      try {
        const header = req.headers[SERVICE_TOKEN_HEADER];
        const name = await this.verify(Array.isArray(header) ? header[0] : header);
        if (!allowed.includes(name))
          throw new ForbiddenError('service_not_allowed', `The ${name} service may not call this endpoint`);
        req.callerService = name;
        next();
      } catch (err) {
        next(err);
      }
    };
  }
}
