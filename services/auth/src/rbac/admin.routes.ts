import type { RequestHandler } from 'express';
import { ApiRouter, decodeCursor, encodeCursor, requirePermission, z, type OpenAPIRegistry } from '@petpro/kit';
import type { RbacService } from './rbac.service.ts';
import type { RbacRepository } from './rbac.repository.ts';
import type { AccountsRepository } from '../accounts/accounts.repository.ts';
import type { AccountsService } from '../accounts/accounts.service.ts';
import { toUserView } from '../accounts/accounts.view.ts';

const roleName = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_]{1,49}$/, 'must be 2-50 lower-case letters, digits or _');
const RoleSchema = z
  .object({ name: z.string(), description: z.string(), builtin: z.boolean(), permissions: z.array(z.string()) })
  .openapi('Role');
const CreateRoleBody = z
  .strictObject({
    name: roleName,
    description: z.string().max(300).optional(),
    permissions: z.array(z.string().max(100)).max(200).default([]),
  })
  .openapi('CreateRoleRequest');
const UpdateRoleBody = z
  .strictObject({
    description: z.string().max(300).optional(),
    permissions: z.array(z.string().max(100)).max(200).optional(),
  })
  .openapi('UpdateRoleRequest');
const SetRolesBody = z.strictObject({ roles: z.array(roleName).max(20) }).openapi('SetUserRolesRequest');
const limit = z.coerce.number().int().min(1).max(100).default(20);

/** Admin tools of the auth service under /api/v1/admin. */
export function adminRoutes(
  openapi: OpenAPIRegistry,
  deps: {
    rbacService: RbacService;
    rbac: RbacRepository;
    accounts: AccountsRepository;
    accountsService: AccountsService;
    auth: RequestHandler;
  },
) {
  const api = new ApiRouter(openapi, '/api/v1/admin');
  const auth = deps.auth;
  const tags = ['admin'];
  const can = (p: string) => [auth, requirePermission(p)];

  api.route(
    {
      method: 'get',
      path: '/roles',
      summary: 'Roles with their permissions',
      tags,
      auth: true,
      responses: { 200: { description: 'Roles', schema: z.object({ items: z.array(RoleSchema) }) } },
    },
    ...can('admin:roles'),
    async (_req, res) => {
      res.json({ items: await deps.rbac.listRoles() });
    },
  );
  api.route(
    {
      method: 'post',
      path: '/roles',
      summary: 'Create a role',
      tags,
      auth: true,
      body: CreateRoleBody,
      responses: { 201: { description: 'Created', schema: RoleSchema }, 409: { description: 'role_exists' } },
    },
    ...can('admin:roles'),
    async (req, res) => {
      res.status(201).json(await deps.rbacService.createRole(req.principal!, req.valid.body));
    },
  );
  api.route(
    {
      method: 'patch',
      path: '/roles/{name}',
      summary: 'Change a role’s description or permissions',
      tags,
      auth: true,
      params: z.object({ name: roleName }),
      body: UpdateRoleBody,
      responses: { 200: { description: 'Updated', schema: RoleSchema } },
    },
    ...can('admin:roles'),
    async (req, res) => {
      res.json(await deps.rbacService.updateRole(req.principal!, req.valid.params.name, req.valid.body));
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/roles/{name}',
      summary: 'Delete a role (not a built-in one)',
      tags,
      auth: true,
      params: z.object({ name: roleName }),
      responses: { 204: { description: 'Deleted' } },
    },
    ...can('admin:roles'),
    async (req, res) => {
      await deps.rbacService.deleteRole(req.principal!, req.valid.params.name);
      res.status(204).end();
    },
  );
  api.route(
    {
      method: 'get',
      path: '/permissions',
      summary: 'Every permission',
      tags,
      auth: true,
      responses: { 200: { description: 'Permissions' } },
    },
    ...can('admin:roles'),
    async (_req, res) => {
      res.json({ items: await deps.rbac.listPermissions() });
    },
  );
  api.route(
    {
      method: 'get',
      path: '/users',
      summary: 'Find users by email (prefix)',
      tags,
      auth: true,
      query: z.object({
        email: z.string().trim().toLowerCase().max(254).optional(),
        limit,
        cursor: z.string().max(200).optional(),
      }),
      responses: { 200: { description: 'Users' } },
    },
    ...can('admin:users'),
    async (req, res) => {
      const { email, limit: n, cursor } = req.valid.query;
      const key = cursor === undefined ? undefined : decodeCursor(cursor, { createdAt: 'instant', id: 'uuid' });
      const after = key && { createdAt: new Date(key.createdAt), id: key.id };
      const users = await deps.accounts.search(email, n + 1, after);
      const page = users.slice(0, n);
      const last = page[page.length - 1];
      res.json({
        items: await Promise.all(page.map(async (u) => toUserView(await deps.accountsService.withRoles(u)))),
        nextCursor:
          users.length > n && last ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id }) : null,
      });
    },
  );
  api.route(
    {
      method: 'put',
      path: '/users/{id}/roles',
      summary: 'Replace a user’s roles',
      tags,
      auth: true,
      params: z.object({ id: z.uuid() }),
      body: SetRolesBody,
      responses: { 200: { description: 'The user’s roles and permissions now' } },
    },
    ...can('admin:users'),
    async (req, res) => {
      res.json(await deps.rbacService.setUserRoles(req.principal!, req.valid.params.id, req.valid.body.roles));
    },
  );
  api.route(
    {
      method: 'post',
      path: '/users/{id}/logout',
      summary: 'Revoke every session of a user',
      tags,
      auth: true,
      params: z.object({ id: z.uuid() }),
      responses: { 200: { description: 'Sessions revoked' } },
    },
    ...can('admin:users'),
    async (req, res) => {
      res.json({ revoked: await deps.rbacService.forceLogout(req.principal!, req.valid.params.id) });
    },
  );
  return api;
}
