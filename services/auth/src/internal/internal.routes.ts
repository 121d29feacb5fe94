import { InternalRevocationPage, InternalUserContact, RoleGrantParams } from '@petpro/contracts';
import { problem, type ApiRouter, type ServiceCredentials } from '@petpro/kit';
import type { AccountsService } from '../accounts/accounts.service.ts';
import type { RbacService } from '../rbac/rbac.service.ts';
import type { SessionsService } from '../sessions/sessions.service.ts';
import { RevocationsQuery, UserByEmailQuery, UserParams } from './internal.schemas.ts';
import { toUserContactView } from './internal.view.ts';

const tags = ['internal'];

/** Endpoints for other PetPro services only (service credential); never routed by the gateway. */
export function internalRoutes(
  api: ApiRouter,
  deps: {
    credentials: ServiceCredentials;
    sessions: SessionsService;
    rbac: RbacService;
    accounts: AccountsService;
  },
) {
  const { sessions, rbac, accounts } = deps;
  const only = deps.credentials.require.bind(deps.credentials);

  // Sessions revoked since a time: gateways and services (the kit's RevocationList) refuse their
  // access tokens until those expire.
  api.endpoint(
    {
      method: 'get',
      path: '/internal/sessions/revocations',
      summary: 'Sessions revoked since a time',
      tags,
      query: RevocationsQuery,
      responses: { 200: { description: 'A page of revocations', schema: InternalRevocationPage } },
    },
    only('gateway', 'user', 'clinic', 'booking'),
    async (req, reply) => reply(200, await sessions.findRevocationsSince(req.valid.query.since, req.valid.query.after)),
  );
  api.endpoint(
    {
      method: 'put',
      path: '/internal/users/{id}/roles/{role}',
      summary: 'Grant a role on behalf of the calling service (only the roles its own flow gives)',
      tags,
      params: RoleGrantParams,
      responses: { 204: { description: 'Granted' }, 403: problem('`role_not_allowed`'), 404: problem('No such user') },
    },
    only('clinic'),
    async (req, reply) => {
      await rbac.grantFromService(req.callerService!, req.valid.params.id, req.valid.params.role);
      return reply(204);
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/internal/users/{id}/roles/{role}',
      summary: 'Take back a role the calling service granted',
      tags,
      params: RoleGrantParams,
      responses: { 204: { description: 'Taken back (or never granted by it)' }, 403: problem('`role_not_allowed`') },
    },
    only('clinic'),
    async (req, reply) => {
      await rbac.revokeFromService(req.callerService!, req.valid.params.id, req.valid.params.role);
      return reply(204);
    },
  );
  // Contact details of a user for another service's mail (e.g. onboarding decisions).
  api.endpoint(
    {
      method: 'get',
      path: '/internal/users/{id}',
      summary: 'A user’s contact details',
      tags,
      params: UserParams,
      responses: { 200: { description: 'The user', schema: InternalUserContact }, 404: problem('No such user') },
    },
    // booking reads the owner's email for reminders
    only('clinic', 'booking'),
    async (req, reply) => reply(200, toUserContactView(await accounts.findUserById(req.valid.params.id))),
  );
  api.endpoint(
    {
      method: 'get',
      path: '/internal/users',
      summary: 'A user’s contact details by email',
      tags,
      query: UserByEmailQuery,
      responses: { 200: { description: 'The user', schema: InternalUserContact }, 404: problem('No such user') },
    },
    only('clinic'),
    async (req, reply) => reply(200, toUserContactView(await accounts.findUserByEmail(req.valid.query.email))),
  );
}
