import type { Kysely } from 'kysely';
import type { DB } from '../db.ts';

export interface RoleRecord {
  name: string;
  description: string;
  builtin: boolean;
  permissions: string[];
}

/** The only SQL for roles, permissions and role grants. */
export class RbacRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async listRoles(): Promise<RoleRecord[]> {
    const roles = await this.db
      .selectFrom('roles')
      .select(['name', 'description', 'builtin'])
      .orderBy('name')
      .execute();
    const grants = await this.db
      .selectFrom('role_permissions')
      .select(['role', 'permission'])
      .orderBy('permission')
      .execute();
    return roles.map((r) => ({ ...r, permissions: grants.filter((g) => g.role === r.name).map((g) => g.permission) }));
  }

  async findRole(name: string): Promise<RoleRecord | undefined> {
    return (await this.listRoles()).find((r) => r.name === name);
  }

  async listPermissions(): Promise<Array<{ name: string; description: string }>> {
    return this.db.selectFrom('permissions').select(['name', 'description']).orderBy('name').execute();
  }

  async unknownPermissions(names: string[]): Promise<string[]> {
    if (!names.length) return [];
    const found = await this.db.selectFrom('permissions').select('name').where('name', 'in', names).execute();
    const set = new Set(found.map((f) => f.name));
    return names.filter((n) => !set.has(n));
  }

  async unknownRoles(names: string[]): Promise<string[]> {
    if (!names.length) return [];
    const found = await this.db.selectFrom('roles').select('name').where('name', 'in', names).execute();
    const set = new Set(found.map((f) => f.name));
    return names.filter((n) => !set.has(n));
  }

  /** Creates a role; false when the name is taken (two statements: run it in a `store.transaction`). */
  async createRole(name: string, description: string, permissions: string[]): Promise<boolean> {
    const r = await this.db
      .insertInto('roles')
      .values({ name, description })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .executeTakeFirst();
    if (!r) return false;
    if (permissions.length)
      await this.db
        .insertInto('role_permissions')
        .values(permissions.map((permission) => ({ role: name, permission })))
        .execute();
    return true;
  }

  /** Changes a role's description and replaces its permissions (run it in a `store.transaction`). */
  async updateRole(name: string, patch: { description?: string; permissions?: string[] }): Promise<void> {
    if (patch.description !== undefined)
      await this.db.updateTable('roles').set({ description: patch.description }).where('name', '=', name).execute();
    if (patch.permissions) {
      await this.db.deleteFrom('role_permissions').where('role', '=', name).execute();
      if (patch.permissions.length)
        await this.db
          .insertInto('role_permissions')
          .values(patch.permissions.map((permission) => ({ role: name, permission })))
          .execute();
    }
  }

  async deleteRole(name: string): Promise<void> {
    await this.db.deleteFrom('roles').where('name', '=', name).execute();
  }

  /** Roles and the union of their permissions for a user. */
  async findRolesAndPermissions(userId: string): Promise<{ roles: string[]; permissions: string[] }> {
    const roles = await this.db
      .selectFrom('user_roles')
      .select('role')
      .where('user_id', '=', userId)
      .orderBy('role')
      .execute();
    const names = roles.map((r) => r.role);
    if (!names.length) return { roles: [], permissions: [] };
    const perms = await this.db
      .selectFrom('role_permissions')
      .select('permission')
      .distinct()
      .where('role', 'in', names)
      .orderBy('permission')
      .execute();
    return { roles: names, permissions: perms.map((p) => p.permission) };
  }

  /**
   * Makes the user's roles exactly `roles` (run it in a `store.transaction`). Roles the user keeps keep
   * their grant (and its source); only the added ones are recorded as granted by the admin.
   */
  async setUserRoles(userId: string, roles: string[], grantedBy: string | null): Promise<void> {
    let removal = this.db.deleteFrom('user_roles').where('user_id', '=', userId);
    if (roles.length) removal = removal.where('role', 'not in', roles);
    await removal.execute();
    if (roles.length)
      await this.db
        .insertInto('user_roles')
        .values(roles.map((role) => ({ user_id: userId, role, granted_by: grantedBy, granted_via: 'admin' })))
        .onConflict((oc) => oc.columns(['user_id', 'role']).doNothing())
        .execute();
  }

  /** Grants a role unless the user has it already (an existing grant keeps its source). */
  async grantRole(userId: string, role: string, grantedBy: string | null, via = 'system'): Promise<void> {
    await this.db
      .insertInto('user_roles')
      .values({ user_id: userId, role, granted_by: grantedBy, granted_via: via })
      .onConflict((oc) => oc.columns(['user_id', 'role']).doNothing())
      .execute();
  }

  /** Takes a role back only when it was granted `via` that source; false when there was no such grant. */
  async revokeGrant(userId: string, role: string, via: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('user_roles')
      .where('user_id', '=', userId)
      .where('role', '=', role)
      .where('granted_via', '=', via)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
