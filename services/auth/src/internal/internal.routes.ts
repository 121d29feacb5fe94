import express, { type Router } from 'express';
import { RoleGrantParams, type InternalUserContactView } from '@petpro/contracts';
import {
  ForbiddenError,
  NotFoundError,
  ValidationError,
  z,
  zodFieldErrors,
  type RevocationPage,
  type ServiceCaller,
  type ServiceCredentials,
} from '@petpro/kit';
import type { SessionsRepository } from '../sessions/sessions.repository.ts';
import type { RbacService } from '../rbac/rbac.service.ts';
import type { AccountsRepository, UserRecord } from '../accounts/accounts.repository.ts';
import { normaliseEmail } from '../accounts/password-policy.ts';

const parse = <T extends z.ZodType>(schema: T, value: unknown): z.output<T> => {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError(zodFieldErrors(r.error));
  return r.data;
};

/** Revocations per read; a mass revocation is read in several pages. */
export const REVOCATION_PAGE = 5_000;

/** Roles a service may grant: the clinic service gives `vendor` (approved onboarding) and `clinic_staff` (staff link). */
export const SERVICE_GRANTS: Partial<Record<ServiceCaller, readonly string[]>> = { clinic: ['vendor', 'clinic_staff'] };
/** Roles a service may take back: the clinic service only `clinic_staff` (a staff link ended). */
export const SERVICE_REVOCATIONS: Partial<Record<ServiceCaller, readonly string[]>> = { clinic: ['clinic_staff'] };

function assertRoleAllowed(
  policy: Partial<Record<ServiceCaller, readonly string[]>>,
  caller: ServiceCaller,
  role: string,
) {
  if (!policy[caller]?.includes(role))
    throw new ForbiddenError('role_not_allowed', `The ${caller} service may not change the role ${role}`);
}

/** A user's contact details as other services read them (the contract of @petpro/contracts). */
function userContact(user: UserRecord): InternalUserContactView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    language: user.language,
    emailVerified: !!user.emailVerifiedAt,
  };
}

/** Endpoints for other PetPro services only (service credential); never routed by the gateway. */
export function internalRoutes(deps: {
  credentials: ServiceCredentials;
  sessions: SessionsRepository;
  rbacService: RbacService;
  accounts: AccountsRepository;
  accessTtlSeconds: number;
}): Router {
  const router = express.Router();
  const only = deps.credentials.require.bind(deps.credentials);
  // Sessions revoked since a time: gateways and services (the kit's RevocationList) refuse their
  // access tokens until those expire.
  router.get('/sessions/revocations', only('gateway', 'user', 'clinic', 'booking'), async (req, res) => {
    const { since, after } = parse(
      z.object({ since: z.iso.datetime({ offset: true }), after: z.uuid().optional() }),
      req.query,
    );
    const now = new Date();
    const rows = await deps.sessions.revokedSince(since, REVOCATION_PAGE, after);
    // A full page means more may follow: the reader continues from the last one it got, not from now.
    const complete = rows.length < REVOCATION_PAGE;
    res.json({
      now: now.toISOString(),
      complete,
      next: complete ? null : { since: rows[rows.length - 1]!.cursor, after: rows[rows.length - 1]!.id },
      items: rows.map((r) => ({
        sessionId: r.id,
        expiresAt: new Date(r.revokedAt.getTime() + deps.accessTtlSeconds * 1000 + 60_000).toISOString(),
      })),
    } satisfies RevocationPage);
  });
  // Which roles each service may grant or take back: never `admin`, and only what its own flow gives.
  router.put('/users/:id/roles/:role', only('clinic'), async (req, res) => {
    const { id, role } = parse(RoleGrantParams, req.params);
    assertRoleAllowed(SERVICE_GRANTS, req.callerService!, role);
    await deps.rbacService.grantFromService(req.callerService!, id, role);
    res.status(204).end();
  });
  router.delete('/users/:id/roles/:role', only('clinic'), async (req, res) => {
    const { id, role } = parse(RoleGrantParams, req.params);
    assertRoleAllowed(SERVICE_REVOCATIONS, req.callerService!, role);
    await deps.rbacService.revokeFromService(req.callerService!, id, role);
    res.status(204).end();
  });
  // Contact details of a user for another service's mail (onboarding decisions, booking reminders).
  router.get('/users/:id', only('clinic', 'booking'), async (req, res) => {
    const { id } = parse(z.object({ id: z.uuid() }), req.params);
    const user = await deps.accounts.findById(id);
    if (!user) throw new NotFoundError('user_not_found', 'No such user');
    res.json(userContact(user));
  });
  router.get('/users', only('clinic'), async (req, res) => {
    const { email } = parse(z.object({ email: z.string().max(254) }), req.query);
    const user = await deps.accounts.findByEmail(normaliseEmail(email));
    if (!user) throw new NotFoundError('user_not_found', 'No such user');
    res.json(userContact(user));
  });
  return router;
}
