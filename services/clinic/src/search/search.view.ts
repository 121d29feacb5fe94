import { isOpenAt } from '../hours/opening-hours.ts';
import { toPhotoView } from '../clinics/clinics.view.ts';
import type { SearchResult } from './search.service.ts';
import type { SearchItemView } from './search.schemas.ts';

/**
 * A search result: the public face of the clinic, its first photo, and the distance (to the metre) when `near` was
 * given.
 */
export function toSearchItemView({ hit, photo }: SearchResult, now = new Date()): SearchItemView {
  const { clinic: c, distanceKm } = hit;
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    address: c.address,
    city: c.city,
    province: c.province,
    location: c.location,
    timeZone: c.timeZone,
    openNow: isOpenAt(c.openingHours, c.timeZone, now),
    categories: c.categories,
    species: c.species,
    photo: photo ? toPhotoView(photo) : null,
    ...(distanceKm !== undefined ? { distanceKm: Math.round(distanceKm * 1000) / 1000 } : {}),
  };
}
