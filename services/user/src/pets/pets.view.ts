import type { ImageRecord } from '../media/images.repository.ts';
import { toImageView } from '../media/media.view.ts';
import { deriveAge } from './age.ts';
import type { PetDetails } from './pets.service.ts';
import type { PetView, PhotoView } from './pets.schemas.ts';

/** A pet's photo as clients see it. */
export function toPhotoView(image: ImageRecord, mediaUrl: string): PhotoView {
  return { ...toImageView(image, mediaUrl), isPrimary: image.isPrimary };
}

/** A pet as clients see it: ages from the owner's today, photos with their URLs, the primary one apart. */
export function toPetView(d: PetDetails, mediaUrl: string): PetView {
  const p = d.pet;
  const photos = d.photos.map((i) => toPhotoView(i, mediaUrl));
  return {
    id: p.id,
    name: p.name,
    species: p.species,
    breed: p.breed,
    sex: p.sex,
    birthDate: p.birthDate,
    birthDateEstimated: p.birthDateEstimated,
    ...deriveAge(p.birthDate, d.today),
    weightKg: p.weightKg,
    microchipId: p.microchipId,
    sterilised: p.sterilised,
    notes: p.notes,
    photos,
    primaryPhoto: photos.find((ph) => ph.isPrimary) ?? null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    deletedAt: p.deletedAt?.toISOString() ?? null,
    restorableUntil: d.restorableUntil?.toISOString() ?? null,
  };
}
