import { formatInstant } from '../shared/time.ts';
import type { BookingRecord } from './bookings.model.ts';
import type { BookingView } from './bookings.schemas.ts';

/** The booking as clients and events see it: every instant in the clinic's offset, no internal columns. */
export function toBookingView(b: BookingRecord): BookingView {
  const at = (d: Date | null) => (d ? formatInstant(d, b.timeZone) : null);
  return {
    id: b.id,
    clinicId: b.clinicId,
    serviceId: b.serviceId,
    staffId: b.staffId,
    staffRequested: b.staffRequested,
    ownerId: b.ownerId,
    petIds: b.petIds,
    pets: b.pets,
    start: formatInstant(b.start, b.timeZone),
    end: formatInstant(b.end, b.timeZone),
    timeZone: b.timeZone,
    status: b.status,
    notes: b.notes,
    service: b.service,
    confirmedAt: at(b.confirmedAt),
    completedAt: at(b.completedAt),
    noShowAt: at(b.noShowAt),
    cancellation:
      b.cancelledAt && b.cancelledByRole
        ? { at: formatInstant(b.cancelledAt, b.timeZone), by: b.cancelledByRole, reason: b.cancellationReason }
        : null,
    version: b.version,
    createdAt: formatInstant(b.createdAt, b.timeZone),
    updatedAt: formatInstant(b.updatedAt, b.timeZone),
  };
}
