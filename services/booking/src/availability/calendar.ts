/**
 * Gathers what the availability engine needs about one clinic and time window from this service's own
 * tables: rules, blocks (weekly ones expanded), the policy and the open bookings. Used by the public
 * availability endpoint and, inside the booking transaction, by every booking check.
 */
import type { Repositories } from '../store.ts';
import { DEFAULT_POLICY, expandBlocks, type PolicyRecord } from '../schedules/schedules.model.ts';
import type { BlockedTime, BusyBooking } from './availability.engine.ts';
import type { ScheduleRule } from './local-days.ts';
import type { ClinicInfo, ServiceInfo } from '../upstream/clinic.client.ts';

export interface Calendar {
  policy: PolicyRecord;
  rules: ScheduleRule[];
  blocks: BlockedTime[];
  bookings: BusyBooking[];
}

/** Qualified staff who are still on the clinic's staff list (a removed vet is never offered). */
export function bookableStaff(clinic: ClinicInfo, service: Pick<ServiceInfo, 'qualifiedStaffIds'>): string[] {
  const onStaff = new Set(clinic.staff.map((s) => s.id));
  return [...new Set(service.qualifiedStaffIds)].filter((id) => onStaff.has(id));
}

/**
 * Loads the calendar for slots starting in [from, to): busy time is loaded up to `to + heldMs` because a
 * slot starting just before `to` still holds its staff member after it. `excludeBookingId` leaves out the
 * booking being rescheduled, so it does not collide with itself.
 */
export async function loadCalendar(
  repos: Repositories,
  args: {
    clinic: ClinicInfo;
    staffIds: readonly string[];
    from: number;
    to: number;
    heldMs: number;
    excludeBookingId?: string;
  },
): Promise<Calendar> {
  const from = new Date(args.from);
  const until = new Date(args.to + args.heldMs);
  const [rules, blocks, policy, bookings] = await Promise.all([
    repos.schedules.listRules(args.clinic.id),
    repos.schedules.listBlocksTouching(args.clinic.id, from, until),
    repos.schedules.findPolicy(args.clinic.id),
    repos.bookings.findBusy(args.staffIds, from, until, args.excludeBookingId),
  ]);
  return {
    policy: policy ?? { ...DEFAULT_POLICY },
    rules,
    blocks: expandBlocks(blocks, args.clinic.timeZone, args.from, args.to + args.heldMs),
    bookings,
  };
}
