import { isOpenAt } from '../hours/opening-hours.ts';
import type { PhotoView } from '../shared/schemas.ts';
import type { ClinicRecord, PhotoRecord } from './clinics.repository.ts';
import type { ClinicDetails } from './clinics.service.ts';
import type { ClinicView, HoursView } from './clinics.schemas.ts';

/** Public URL of one stored photo size (served by the media route, through the gateway). */
export function photoUrl(photoId: string, size: string): string {
  return `/api/v1/media/clinic/photos/${photoId}/${size}.webp`;
}

/** A photo: one URL per stored size. */
export function toPhotoView(p: PhotoRecord): PhotoView {
  return { id: p.id, urls: Object.fromEntries(p.sizes.map((s) => [s, photoUrl(p.id, s)])) };
}

/**
 * A clinic as answered: the stored fields with times as ISO strings, `openNow` and photo URLs; the owner id only when
 * `showOwner`.
 */
export function toClinicView({ clinic: c, photos, showOwner }: ClinicDetails, now = new Date()): ClinicView {
  return {
    id: c.id,
    ...(showOwner ? { ownerUserId: c.ownerUserId } : {}),
    name: c.name,
    description: c.description,
    phone: c.phone,
    email: c.email,
    address: c.address,
    city: c.city,
    province: c.province,
    location: c.location,
    timeZone: c.timeZone,
    published: c.published,
    openingHours: c.openingHours,
    openNow: isOpenAt(c.openingHours, c.timeZone, now),
    categories: c.categories,
    species: c.species,
    photos: photos.map(toPhotoView),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

/** Opening hours in the clinic's zone, with `openNow`. */
export function toHoursView(c: ClinicRecord, now = new Date()): HoursView {
  return { ...c.openingHours, timeZone: c.timeZone, openNow: isOpenAt(c.openingHours, c.timeZone, now) };
}
