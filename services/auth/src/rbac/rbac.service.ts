import {
  ADMIN_ROLE,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  type Principal,
  type ServiceCaller,
} from '@petpro/kit';
import type { AuthStore } from '../store.ts';
import type { RoleRecord } from './rbac.repository.ts';
import type { CreateRoleBody, UpdateRoleBody } from './rbac.schemas.ts';

/**
 * Roles a service may grant: the clinic service gives `vendor` (approved onboarding) and `clinic_staff` (staff link).
 */
export const SERVICE_GRANTS: Partial<Record<ServiceCaller, readonly string[]>> = { clinic: ['vendor', 'clinic_staff'] };
/** Roles a service may take back: the clinic service only `clinic_staff` (a staff link ended). */
export const SERVICE_REVOCATIONS: Partial<Record<ServiceCaller, readonly string[]>> = { clinic: ['clinic_staff'] };

/** Which roles each service may grant or take back: never `admin`, and only what its own flow gives. */
function assertServiceMayChangeRole(
  policy: Partial<Record<ServiceCaller, readonly string[]>>,
  caller: ServiceCaller,
  role: string,
) {
  if (!policy[caller]?.includes(role))
    throw new ForbiddenError('role_not_allowed', `The ${caller} service may not change the role ${role}`);
}

/** Roles, permissions and admin user tools. */
export class RbacService {
  constructor(private readonly store: AuthStore) {}

  private get repos() {
    return this.store.repos;
  }

  listRoles(): Promise<RoleRecord[]> {
    return this.repos.rbac.listRoles();
  }

  listPermissions(): Promise<Array<{ name: string; description: string }>> {
    return this.repos.rbac.listPermissions();
  }

  private async assertPermissionsExist(permissions: string[]): Promise<void> {
    const unknown = await this.repos.rbac.unknownPermissions(permissions);
    if (unknown.length)
      throw new BadRequestError(
        'unknown_permission',
        `Unknown permissions: ${unknown.join(', ')}`,
        unknown.map((p) => ({ field: 'permissions', message: `unknown permission ${p}` })),
      );
  }

  async createRole(actor: Principal, input: CreateRoleBody): Promise<RoleRecord> {
    await this.assertPermissionsExist(input.permissions);
    const permissions = [...new Set(input.permissions)];
    const created = await this.store.transaction((repos) =>
      repos.rbac.createRole(input.name, input.description ?? '', permissions),
    );
    if (!created) throw new ConflictError('role_exists', `The role ${input.name} already exists`);
    await this.repos.audit.record({
      type: 'role_created',
      actorId: actor.userId,
      detail: { role: input.name, permissions: input.permissions },
    });
    return (await this.repos.rbac.findRole(input.name))!;
  }

  /**
   * Changes a role. Taking a permission away revokes every session of the role's holders: their
   * access tokens still list the permission, and the gateway refuses them within seconds instead of
   * at expiry (they log in again and get what the role gives now).
   */
  async updateRole(actor: Principal, name: string, patch: UpdateRoleBody): Promise<RoleRecord> {
    const role = await this.repos.rbac.findRole(name);
    if (!role) throw new NotFoundError('role_not_found', `No role ${name}`);
    if (patch.permissions) await this.assertPermissionsExist(patch.permissions);
    const change = { ...patch, permissions: patch.permissions && [...new Set(patch.permissions)] };
    await this.store.transaction((repos) => repos.rbac.updateRole(name, change));
    const removed = patch.permissions ? role.permissions.filter((x) => !patch.permissions!.includes(x)) : [];
    const sessionsRevoked = removed.length ? await this.repos.sessions.revokeHoldersOf(name, 'role_reduced') : 0;
    await this.repos.audit.record({
      type: 'role_updated',
      actorId: actor.userId,
      detail: { role: name, ...patch, removed, sessionsRevoked },
    });
    return (await this.repos.rbac.findRole(name))!;
  }

  /** Deletes a role; its holders lose it, and their sessions are revoked first (see updateRole). */
  async deleteRole(actor: Principal, name: string): Promise<void> {
    const role = await this.repos.rbac.findRole(name);
    if (!role) throw new NotFoundError('role_not_found', `No role ${name}`);
    if (role.builtin) throw new ConflictError('role_builtin', `The built-in role ${name} cannot be deleted`);
    const sessionsRevoked = await this.repos.sessions.revokeHoldersOf(name, 'role_deleted');
    await this.repos.rbac.deleteRole(name);
    await this.repos.audit.record({
      type: 'role_deleted',
      actorId: actor.userId,
      detail: { role: name, sessionsRevoked },
    });
  }

  async setUserRoles(actor: Principal, userId: string, roles: string[]) {
    if (!(await this.repos.accounts.findById(userId))) throw new NotFoundError('user_not_found', 'No such user');
    const unknown = await this.repos.rbac.unknownRoles(roles);
    if (unknown.length)
      throw new BadRequestError(
        'unknown_role',
        `Unknown roles: ${unknown.join(', ')}`,
        unknown.map((r) => ({ field: 'roles', message: `unknown role ${r}` })),
      );
    // An admin cannot lock the platform out by removing their own admin role.
    if (actor.userId === userId && !roles.includes(ADMIN_ROLE))
      throw new ConflictError('cannot_remove_own_admin', 'You cannot remove your own admin role');
    const before = await this.repos.rbac.findRolesAndPermissions(userId);
    await this.store.transaction((repos) => repos.rbac.setUserRoles(userId, [...new Set(roles)], actor.userId));
    // Fewer roles: the user's tokens still carry the old ones, so their sessions end now.
    const removed = before.roles.filter((r) => !roles.includes(r));
    const sessionsRevoked = removed.length ? (await this.repos.sessions.revoke({ userId }, 'roles_reduced')).length : 0;
    await this.repos.audit.record({
      type: 'role_changed',
      actorId: actor.userId,
      targetId: userId,
      detail: { before: before.roles, after: roles, sessionsRevoked },
    });
    return this.repos.rbac.findRolesAndPermissions(userId);
  }

  /** Grants a role on behalf of another service (e.g. `vendor` when an onboarding is approved); idempotent. */
  async grantFromService(service: ServiceCaller, userId: string, role: string): Promise<void> {
    assertServiceMayChangeRole(SERVICE_GRANTS, service, role);
    if (!(await this.repos.accounts.findById(userId))) throw new NotFoundError('user_not_found', 'No such user');
    if ((await this.repos.rbac.unknownRoles([role])).length)
      throw new BadRequestError('unknown_role', `Unknown role ${role}`);
    await this.repos.rbac.grantRole(userId, role, null, `service:${service}`);
    await this.repos.audit.record({
      type: 'role_changed',
      targetId: userId,
      detail: { granted: role, by: `service:${service}` },
    });
  }

  /**
   * Takes back a role on behalf of a service: only a grant that service made (an admin's grant of the same role stays);
   * nothing happens when there is none. The user's sessions are revoked, as for any role reduction.
   */
  async revokeFromService(service: ServiceCaller, userId: string, role: string): Promise<void> {
    assertServiceMayChangeRole(SERVICE_REVOCATIONS, service, role);
    if (!(await this.repos.rbac.revokeGrant(userId, role, `service:${service}`))) return;
    // A user who lost a role loses their sessions at once (see setUserRoles).
    const sessionsRevoked = (await this.repos.sessions.revoke({ userId }, 'roles_reduced')).length;
    await this.repos.audit.record({
      type: 'role_changed',
      targetId: userId,
      detail: { revoked: role, by: `service:${service}`, sessionsRevoked },
    });
  }

  async forceLogout(actor: Principal, userId: string): Promise<number> {
    if (!(await this.repos.accounts.findById(userId))) throw new NotFoundError('user_not_found', 'No such user');
    const revoked = await this.repos.sessions.revoke({ userId }, 'admin_forced');
    await this.repos.audit.record({
      type: 'forced_logout',
      actorId: actor.userId,
      targetId: userId,
      detail: { sessions: revoked.length },
    });
    return revoked.length;
  }
}
