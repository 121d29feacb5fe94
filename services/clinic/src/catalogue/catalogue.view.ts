import type { ServiceRecord } from './catalogue.repository.ts';
import type { ServiceView } from './catalogue.schemas.ts';

/** A catalogue entry as answered: the record with times as ISO strings. */
export function toServiceView(s: ServiceRecord): ServiceView {
  return {
    id: s.id,
    clinicId: s.clinicId,
    name: s.name,
    category: s.category,
    description: s.description,
    price: { ...s.price },
    durationMinutes: s.durationMinutes,
    bufferMinutes: s.bufferMinutes,
    species: [...s.species],
    active: s.active,
    qualifiedStaffIds: [...s.qualifiedStaffIds],
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}
