import type { FavouriteRecord } from './favourites.repository.ts';
import type { FavouriteView } from './favourites.schemas.ts';

/** A favourite as clients see it. */
export function toFavouriteView(f: FavouriteRecord): FavouriteView {
  return { clinicId: f.clinicId, createdAt: f.createdAt.toISOString() };
}
