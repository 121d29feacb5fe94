import { z } from '@petpro/kit';

export const RoleName = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_]{1,49}$/, 'must be 2-50 lower-case letters, digits or _');

export const RoleSchema = z
  .object({ name: z.string(), description: z.string(), builtin: z.boolean(), permissions: z.array(z.string()) })
  .openapi('Role');
export type RoleView = z.output<typeof RoleSchema>;
export const RoleList = z.object({ items: z.array(RoleSchema) });

export const PermissionSchema = z.object({ name: z.string(), description: z.string() }).openapi('Permission');
export const PermissionList = z.object({ items: z.array(PermissionSchema) });

export const CreateRoleBody = z
  .strictObject({
    name: RoleName,
    description: z.string().max(300).optional(),
    permissions: z.array(z.string().max(100)).max(200).default([]),
  })
  .openapi('CreateRoleRequest');
export type CreateRoleBody = z.output<typeof CreateRoleBody>;

export const UpdateRoleBody = z
  .strictObject({
    description: z.string().max(300).optional(),
    permissions: z.array(z.string().max(100)).max(200).optional(),
  })
  .openapi('UpdateRoleRequest');
export type UpdateRoleBody = z.output<typeof UpdateRoleBody>;

export const RoleParams = z.object({ name: RoleName });
export const UserParams = z.object({ id: z.uuid() });
export const SetRolesBody = z.strictObject({ roles: z.array(RoleName).max(20) }).openapi('SetUserRolesRequest');

/** A user's roles and the union of their permissions. */
export const UserRolesSchema = z
  .object({ roles: z.array(z.string()), permissions: z.array(z.string()) })
  .openapi('UserRoles');
