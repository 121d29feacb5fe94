import { NotFoundError, type Principal } from '@petpro/kit';
import type { BookingStore } from '../store.ts';
import type { ClinicDirectory, ClinicInfo, ServiceInfo } from '../upstream/clinic.client.ts';
import { clinicRoleOf } from '../shared/access.ts';
import { DAY_MS, MINUTE_MS, parseWindow } from '../shared/time.ts';
import {
  AvailabilityRangeTooLongError,
  MAX_AVAILABILITY_RANGE_DAYS,
  computeAvailability,
  type Slot,
} from './availability.engine.ts';
import { bookableStaff, loadCalendar } from './calendar.ts';
import type { AvailabilityQuery } from './availability.schemas.ts';

export interface AvailabilityResult {
  clinic: ClinicInfo;
  service: ServiceInfo;
  from: number;
  to: number;
  slots: Slot[];
}

/** Bookable slots of one service, for anyone. */
export class AvailabilityService {
  constructor(
    private readonly store: BookingStore,
    private readonly clinics: ClinicDirectory,
    private readonly now: () => number = Date.now,
  ) {}

  /** The bookable slots of one service in the query's window; an unpublished clinic only for its own people. */
  async findSlots(q: AvailabilityQuery, principal: Principal | undefined): Promise<AvailabilityResult> {
    const clinic = await this.clinics.clinic(q.clinicId);
    // An unpublished clinic is invisible to the public, but its own people can try their calendar out.
    if (!clinic.published && !clinicRoleOf(principal, clinic))
      throw new NotFoundError('clinic_not_found', 'No such clinic');
    const service = await this.clinics.service(q.clinicId, q.serviceId);
    const window = parseWindow(q.from, q.to, clinic.timeZone);
    // The engine checks the exact limit; refusing clearly longer ranges here avoids loading their bookings first.
    if (window.to - window.from > (MAX_AVAILABILITY_RANGE_DAYS + 1) * DAY_MS) throw new AvailabilityRangeTooLongError();
    const staffIds = bookableStaff(clinic, service).filter((id) => q.staffId === undefined || id === q.staffId);
    const heldMs = (service.durationMinutes + (service.bufferMinutes ?? 0)) * MINUTE_MS;
    const calendar = await loadCalendar(this.store.repos, {
      clinic,
      staffIds,
      from: window.from,
      to: window.to,
      heldMs,
    });
    const slots = computeAvailability({
      timeZone: clinic.timeZone,
      from: window.from,
      to: window.to,
      now: this.now(),
      policy: calendar.policy,
      service: {
        durationMinutes: service.durationMinutes,
        bufferMinutes: service.bufferMinutes ?? 0,
        qualifiedStaffIds: service.active ? staffIds : [],
      },
      staffId: q.staffId,
      openingHours: clinic.openingHours,
      rules: calendar.rules,
      blocks: calendar.blocks,
      bookings: calendar.bookings,
    });
    return { clinic, service, from: window.from, to: window.to, slots };
  }
}
