import type { RoleRecord } from './rbac.repository.ts';
import type { RoleView } from './rbac.schemas.ts';

export function toRoleView(r: RoleRecord): RoleView {
  return { name: r.name, description: r.description, builtin: r.builtin, permissions: r.permissions };
}
