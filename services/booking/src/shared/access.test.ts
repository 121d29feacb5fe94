import { describe, expect, it } from 'vitest';
import type { Principal } from '@petpro/kit';
import { clinicRoleFor, clinicRoleOf } from './access.ts';

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

  const who = (userId: string, roles: string[], permissions: string[]): Principal => ({
    userId,
    roles,
    permissions,
    sessionId: 's',
    token: 't',
    expiresAt: 0,
  });

  it('lets only the vendor (with schedule:manage:own) and admins manage schedules', () => {
    expect(clinicRoleFor(who('x', ['admin'], []), clinic, 'manage_schedule')).toBe('admin');
    expect(clinicRoleFor(who('vendor-1', ['vendor'], ['schedule:manage:own']), clinic, 'manage_schedule')).toBe(
      'vendor',
    );
    expect(clinicRoleFor(who('staff-1', ['clinic_staff'], ['schedule:read:clinic']), clinic, 'manage_schedule')).toBe(
      undefined,
    );
    expect(clinicRoleFor(undefined, clinic, 'manage_schedule')).toBeUndefined();
  });

  it('needs the permission as well as the link: a vendor whose role was withdrawn can do nothing', () => {
    const withdrawn = who('vendor-1', ['pet_owner'], ['pet:read:own']);
    for (const action of ['manage_schedule', 'read_schedule', 'read_bookings', 'manage_bookings'] as const)
      expect(clinicRoleFor(withdrawn, clinic, action)).toBeUndefined();
    const staff = who('staff-1', ['clinic_staff'], ['schedule:read:clinic', 'booking:read:clinic']);
    expect(clinicRoleFor(staff, clinic, 'read_schedule')).toBe('staff');
    expect(clinicRoleFor(staff, clinic, 'read_bookings')).toBe('staff');
    expect(clinicRoleFor(staff, clinic, 'manage_bookings')).toBeUndefined();
  });
});
