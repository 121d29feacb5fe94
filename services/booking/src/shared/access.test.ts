import { describe, expect, it } from 'vitest';
import { canManageSchedule, clinicRoleOf } from './access.ts';

const clinic = { ownerUserId: 'vendor-1', staff: [{ userId: 'staff-1' }, { userId: null }, {}] };

describe('clinicRoleOf', () => {
  it('tells admins, the vendor and staff apart from everyone else', () => {
    expect(clinicRoleOf({ userId: 'x', roles: ['admin'] }, clinic)).toBe('admin');
    expect(clinicRoleOf({ userId: 'vendor-1', roles: ['vendor'] }, clinic)).toBe('vendor');
    expect(clinicRoleOf({ userId: 'staff-1', roles: ['clinic_staff'] }, clinic)).toBe('staff');
    expect(clinicRoleOf({ userId: 'vendor-2', roles: ['vendor'] }, clinic)).toBeUndefined();
    expect(clinicRoleOf(undefined, clinic)).toBeUndefined();
  });

  it('never matches a staff entry without a user account to a caller', () => {
    expect(clinicRoleOf({ userId: '', roles: [] }, { ownerUserId: 'v', staff: [{ userId: null }] })).toBeUndefined();
  });

  it('lets only the vendor and admins manage schedules', () => {
    expect(canManageSchedule('admin')).toBe(true);
    expect(canManageSchedule('vendor')).toBe(true);
    expect(canManageSchedule('staff')).toBe(false);
    expect(canManageSchedule(undefined)).toBe(false);
  });
});
