import { ConflictError, decodeCursor, toPage } from '@petpro/kit';
import type { FavouriteRecord } from './favourites.repository.ts';
import type { UserStore } from '../store.ts';
import type { ListFavouritesQuery } from './favourites.schemas.ts';

export const MAX_FAVOURITES = 500;

/**
 * Favourite vendors, referred to by clinic ID only: the clinic service owns clinics, and a favourite
 * whose clinic is gone is harmless (clients skip it when the clinic lookup answers 404).
 */
export class FavouritesService {
  constructor(private readonly store: UserStore) {}

  /** Adds a favourite (idempotent). */
  async add(userId: string, clinicId: string): Promise<{ favourite: FavouriteRecord; created: boolean }> {
    const existing = await this.store.repos.favourites.find(userId, clinicId);
    if (existing) return { favourite: existing, created: false };
    if ((await this.store.repos.favourites.count(userId)) >= MAX_FAVOURITES)
      throw new ConflictError('favourites_limit_reached', `At most ${MAX_FAVOURITES} favourites`);
    return this.store.repos.favourites.add(userId, clinicId);
  }

  /** Removes a favourite (idempotent). */
  async remove(userId: string, clinicId: string): Promise<void> {
    await this.store.repos.favourites.remove(userId, clinicId);
  }

  async listPage(
    userId: string,
    q: ListFavouritesQuery,
  ): Promise<{ items: FavouriteRecord[]; nextCursor: string | null }> {
    const key = q.cursor === undefined ? undefined : decodeCursor(q.cursor, { createdAt: 'instant', clinicId: 'uuid' });
    const after = key && { createdAt: new Date(key.createdAt), clinicId: key.clinicId };
    const rows = await this.store.repos.favourites.listPage(userId, { limit: q.limit + 1, after });
    const page = toPage(rows, q.limit, (f) => ({ createdAt: f.createdAt.toISOString(), clinicId: f.clinicId }));
    return page;
  }
}
