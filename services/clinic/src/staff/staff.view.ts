import type { StaffRecord } from './staff.repository.ts';
import type { InvitationView, StaffView } from './staff.schemas.ts';

/** A staff member as answered; `showUser` (the owner, admins, the linked user) adds the linked account's id. */
export function toStaffView(s: StaffRecord, showUser: boolean): StaffView {
  return {
    id: s.id,
    clinicId: s.clinicId,
    name: s.name,
    role: s.role,
    serviceIds: s.serviceIds,
    ...(showUser ? { userId: s.userId } : {}),
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

/** A mailed invitation: never its token. */
export function toInvitationView(i: { staffId: string; email: string; expiresAt: Date }): InvitationView {
  return { staffId: i.staffId, email: i.email, expiresAt: i.expiresAt.toISOString() };
}
