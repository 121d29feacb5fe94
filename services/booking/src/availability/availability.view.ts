import { instantFormatter } from '../shared/time.ts';
import type { AvailabilityResult } from './availability.service.ts';
import type { AvailabilityView } from './availability.schemas.ts';

/** Slots as clients read them: every instant in the clinic's offset (one memoised formatter for all of them). */
export function toAvailabilityView(r: AvailabilityResult): AvailabilityView {
  const fmt = instantFormatter(r.clinic.timeZone);
  return {
    clinicId: r.clinic.id,
    serviceId: r.service.id,
    timeZone: r.clinic.timeZone,
    from: fmt(r.from),
    to: fmt(r.to),
    slots: r.slots.map((s) => ({ start: fmt(s.start), end: fmt(s.end), staffIds: s.staffIds })),
  };
}
