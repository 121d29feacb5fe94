import { requireAuth, requirePermission, type AccessTokenVerifier, type ApiRouter } from '@petpro/kit';
import type { RbacService } from './rbac.service.ts';
import {
  CreateRoleBody,
  PermissionList,
  RoleList,
  RoleParams,
  RoleSchema,
  SetRolesBody,
  UpdateRoleBody,
  UserParams,
  UserRolesSchema,
} from './rbac.schemas.ts';
import { toRoleView } from './rbac.view.ts';
import { RevokedCount } from '../sessions/sessions.schemas.ts';

const tags = ['admin'];

/** The admin's roles, permissions and role assignments, and forced logouts. */
export function rbacRoutes(api: ApiRouter, deps: { rbac: RbacService; verifier: AccessTokenVerifier }) {
  const { rbac } = deps;
  const auth = requireAuth(deps.verifier);

  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/admin/roles',
      summary: 'Roles with their permissions',
      tags,
      auth: true,
      responses: { 200: { description: 'Roles', schema: RoleList } },
    },
    auth,
    requirePermission('admin:roles'),
    async (_req, reply) => reply(200, { items: (await rbac.listRoles()).map(toRoleView) }),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/admin/roles',
      summary: 'Create a role',
      tags,
      auth: true,
      body: CreateRoleBody,
      responses: { 201: { description: 'Created', schema: RoleSchema }, 409: { description: 'role_exists' } },
    },
    auth,
    requirePermission('admin:roles'),
    async (req, reply) => reply(201, toRoleView(await rbac.createRole(req.principal!, req.valid.body))),
  );
  api.endpoint(
    {
      method: 'patch',
      path: '/api/v1/admin/roles/{name}',
      summary: 'Change a role’s description or permissions',
      tags,
      auth: true,
      params: RoleParams,
      body: UpdateRoleBody,
      responses: { 200: { description: 'Updated', schema: RoleSchema } },
    },
    auth,
    requirePermission('admin:roles'),
    async (req, reply) => {
      const role = await rbac.updateRole(req.principal!, req.valid.params.name, req.valid.body);
      return reply(200, toRoleView(role));
    },
  );
  api.endpoint(
    {
      method: 'delete',
      path: '/api/v1/admin/roles/{name}',
      summary: 'Delete a role (not a built-in one)',
      tags,
      auth: true,
      params: RoleParams,
      responses: { 204: { description: 'Deleted' } },
    },
    auth,
    requirePermission('admin:roles'),
    async (req, reply) => {
      await rbac.deleteRole(req.principal!, req.valid.params.name);
      return reply(204);
    },
  );
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/admin/permissions',
      summary: 'Every permission',
      tags,
      auth: true,
      responses: { 200: { description: 'Permissions', schema: PermissionList } },
    },
    auth,
    requirePermission('admin:roles'),
    async (_req, reply) => reply(200, { items: await rbac.listPermissions() }),
  );
  api.endpoint(
    {
      method: 'put',
      path: '/api/v1/admin/users/{id}/roles',
      summary: 'Replace a user’s roles',
      tags,
      auth: true,
      params: UserParams,
      body: SetRolesBody,
      responses: { 200: { description: 'The user’s roles and permissions now', schema: UserRolesSchema } },
    },
    auth,
    requirePermission('admin:users'),
    async (req, reply) =>
      reply(200, await rbac.setUserRoles(req.principal!, req.valid.params.id, req.valid.body.roles)),
  );
  api.endpoint(
    {
      method: 'post',
      path: '/api/v1/admin/users/{id}/logout',
      summary: 'Revoke every session of a user',
      tags,
      auth: true,
      params: UserParams,
      responses: { 200: { description: 'Sessions revoked', schema: RevokedCount } },
    },
    auth,
    requirePermission('admin:users'),
    async (req, reply) => reply(200, { revoked: await rbac.forceLogout(req.principal!, req.valid.params.id) }),
  );
}
