import type { InternalBookableAnswer, InternalClinicAnswer, InternalServiceAnswer } from '@petpro/contracts';
import type { ClinicRecord } from '../clinics/clinics.repository.ts';
import type { StaffRecord } from '../staff/staff.repository.ts';
import type { ServiceRecord } from '../catalogue/catalogue.repository.ts';

/** A clinic with what availability needs: zone, opening hours and staff. */
export function toInternalClinic(clinic: ClinicRecord, staff: StaffRecord[]): InternalClinicAnswer {
  return {
    id: clinic.id,
    ownerUserId: clinic.ownerUserId,
    name: clinic.name,
    timeZone: clinic.timeZone,
    published: clinic.published,
    address: clinic.address,
    city: clinic.city,
    openingHours: { weekly: clinic.openingHours.weekly, closures: clinic.openingHours.closures },
    staff: staff.map((s) => ({ id: s.id, name: s.name, role: s.role, serviceIds: s.serviceIds, userId: s.userId })),
  };
}

/** One service with its timing and the staff qualified to perform it. */
export function toInternalService(s: ServiceRecord): InternalServiceAnswer {
  return {
    id: s.id,
    clinicId: s.clinicId,
    name: s.name,
    category: s.category,
    durationMinutes: s.durationMinutes,
    bufferMinutes: s.bufferMinutes,
    price: { amount: s.price.amount, currency: s.price.currency },
    active: s.active,
    qualifiedStaffIds: s.qualifiedStaffIds,
  };
}

/** The clinic and one of its services (the booking hot path reads both at once). */
export function toInternalBookable(
  clinic: ClinicRecord,
  staff: StaffRecord[],
  service: ServiceRecord,
): InternalBookableAnswer {
  return { clinic: toInternalClinic(clinic, staff), service: toInternalService(service) };
}
